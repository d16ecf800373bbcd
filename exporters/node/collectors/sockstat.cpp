// sockstat: node_sockstat_<PROTO>_<state> gauges from <procfs>/net/sockstat and
// net/sockstat6, plus node_sockstat_<PROTO>_mem_bytes (mem is in pages).

#include "procfs/sockstat.h"

#include <unistd.h>

#include "collectors/collectors.h"
#include "hostfs/read.h"

namespace node {
namespace {

class SockstatCollector : public runtime::Collector {
 public:
  explicit SockstatCollector(const hostfs::Paths& paths)
      : sockstat_path_(paths.proc("net/sockstat")),
        sockstat6_path_(paths.proc("net/sockstat6")),
        page_size_(::sysconf(_SC_PAGESIZE)) {}

  runtime::Status update(runtime::MetricSink& sink) override {
    // A kernel without IPv4 or IPv6 lacks the file: skip it, as upstream does.
    for (const std::string* path : {&sockstat_path_, &sockstat6_path_}) {
      auto text = hostfs::readFile(*path);
      if (!text) {
        if (text.error().notFound()) continue;
        return runtime::Status::failure(text.error().message());
      }
      auto stat = procfs::parseSockstat(*text);
      if (!stat) return runtime::Status::failure(*path + ": " + stat.error());
      emit(sink, *stat, path == &sockstat_path_);
    }
    return runtime::Status::ok();
  }

 private:
  void emit(runtime::MetricSink& sink, const procfs::Sockstat& stat, bool ipv4) const {
    if (ipv4 && stat.sockets_used) {
      sink.gauge("node_sockstat_sockets_used", "Number of IPv4 sockets in use.",
                 static_cast<double>(*stat.sockets_used));
    }
    for (const auto& p : stat.protocols) {
      auto put = [&](const char* state, std::optional<std::int64_t> value) {
        if (!value) return;
        sink.gauge("node_sockstat_" + p.protocol + "_" + state,
                   "Number of " + p.protocol + " sockets in state " + state + ".",
                   static_cast<double>(*value));
      };
      put("inuse", p.inuse);
      put("orphan", p.orphan);
      put("tw", p.tw);
      put("alloc", p.alloc);
      put("mem", p.mem);
      put("memory", p.memory);
      if (p.mem) put("mem_bytes", *p.mem * page_size_);
    }
  }

  std::string sockstat_path_, sockstat6_path_;
  std::int64_t page_size_;
};

}  // namespace

void registerSockstatCollector(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  registry.add({.name = "sockstat", .enabled_by_default = true, .make = [&paths] {
                  return std::make_unique<SockstatCollector>(paths);
                }});
}

}  // namespace node
