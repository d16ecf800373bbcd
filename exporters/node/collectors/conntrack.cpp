// conntrack: node_nf_conntrack_entries and _entries_limit from
// <procfs>/sys/net/netfilter, and the node_nf_conntrack_stat_* sums over CPUs
// from <procfs>/net/stat/nf_conntrack. A missing file means the module is not
// loaded: no data, as upstream's ErrNoData.

#include "procfs/conntrack.h"

#include "collectors/collectors.h"
#include "hostfs/read.h"

namespace node {
namespace {

class ConntrackCollector : public runtime::Collector {
 public:
  explicit ConntrackCollector(const hostfs::Paths& paths)
      : count_path_(paths.proc("sys/net/netfilter/nf_conntrack_count")),
        max_path_(paths.proc("sys/net/netfilter/nf_conntrack_max")),
        stat_path_(paths.proc("net/stat/nf_conntrack")) {}

  runtime::Status update(runtime::MetricSink& sink) override {
    std::string text;
    if (auto status = read(count_path_, text); !status.isOk()) return status;
    auto count = procfs::parseConntrackValue(text);
    if (!count) return runtime::Status::failure(count_path_ + ": " + count.error());
    sink.gauge("node_nf_conntrack_entries",
               "Number of currently allocated flow entries for connection tracking.",
               static_cast<double>(*count));

    if (auto status = read(max_path_, text); !status.isOk()) return status;
    auto max = procfs::parseConntrackValue(text);
    if (!max) return runtime::Status::failure(max_path_ + ": " + max.error());
    sink.gauge("node_nf_conntrack_entries_limit", "Maximum size of connection tracking table.",
               static_cast<double>(*max));

    if (auto status = read(stat_path_, text); !status.isOk()) return status;
    auto stat = procfs::parseConntrackStat(text);
    if (!stat) return runtime::Status::failure(stat_path_ + ": " + stat.error());
    auto put = [&](const char* name, const char* help, std::uint64_t value) {
      sink.gauge(std::string("node_nf_conntrack_stat_") + name, help, static_cast<double>(value));
    };
    put("found", "Number of searched entries which were successful.", stat->found);
    put("invalid", "Number of packets seen which can not be tracked.", stat->invalid);
    put("ignore", "Number of packets seen which are already connected to a conntrack entry.",
        stat->ignore);
    put("insert", "Number of entries inserted into the list.", stat->insert);
    put("insert_failed", "Number of entries for which list insertion was attempted but failed.",
        stat->insert_failed);
    put("drop", "Number of packets dropped due to conntrack failure.", stat->drop);
    put("early_drop",
        "Number of dropped conntrack entries to make room for new ones, if maximum table size "
        "was reached.",
        stat->early_drop);
    put("search_restart",
        "Number of conntrack table lookups which had to be restarted due to hashtable resizes.",
        stat->search_restart);
    return runtime::Status::ok();
  }

 private:
  static runtime::Status read(const std::string& path, std::string& text) {
    auto content = hostfs::readFile(path);
    if (!content) {
      if (content.error().notFound()) {
        return runtime::Status::noData(content.error().message() + " (conntrack not loaded?)");
      }
      return runtime::Status::failure(content.error().message());
    }
    text = std::move(content).value();
    return runtime::Status::ok();
  }

  std::string count_path_, max_path_, stat_path_;
};

}  // namespace

void registerConntrackCollector(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  registry.add({.name = "conntrack", .enabled_by_default = true, .make = [&paths] {
                  return std::make_unique<ConntrackCollector>(paths);
                }});
}

}  // namespace node
