// uname: node_uname_info, the kernel's identity.
//
// node_exporter calls uname(2), which always describes the exporter's own
// kernel and UTS namespace and ignores --path.procfs. We read the same strings
// from <procfs>/sys/kernel/{ostype,osrelease,version,hostname,domainname} so
// that the flag is honoured and tests can use a fixture tree. On a live
// system the values are identical: ostype, osrelease and version are global
// to the kernel, and hostname and domainname, like uname(2), describe the UTS
// namespace of the process reading them. The machine architecture has no
// file in /proc; it comes from uname(2), which gives the same answer inside a
// container since containers share the host's kernel.

#include <sys/utsname.h>

#include <cerrno>
#include <cstring>

#include "collectors/collectors.h"
#include "hostfs/read.h"

namespace node {
namespace {

class UnameCollector : public runtime::Collector {
 public:
  explicit UnameCollector(const hostfs::Paths& paths) : kernel_dir_(paths.proc("sys/kernel")) {}

  runtime::Status update(runtime::MetricSink& sink) override {
    std::string values[5];
    const char* files[5] = {"ostype", "osrelease", "version", "hostname", "domainname"};
    for (int i = 0; i < 5; ++i) {
      auto text = hostfs::readFile(kernel_dir_ + "/" + files[i], 64 << 10);
      if (!text) return runtime::Status::failure(text.error().message());
      values[i] = std::move(text).value();
      if (!values[i].empty() && values[i].back() == '\n') values[i].pop_back();
    }
    struct utsname names;
    if (::uname(&names) != 0) {
      return runtime::Status::failure(std::string("uname: ") + std::strerror(errno));
    }
    sink.gauge("node_uname_info",
               "Labeled system information as provided by the uname system call.", 1,
               {{"domainname", values[4]},
                {"machine", names.machine},
                {"nodename", values[3]},
                {"release", values[1]},
                {"sysname", values[0]},
                {"version", values[2]}});
    return runtime::Status::ok();
  }

 private:
  std::string kernel_dir_;
};

}  // namespace

void registerUnameCollector(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  registry.add({.name = "uname", .enabled_by_default = true, .make = [&paths] {
                  return std::make_unique<UnameCollector>(paths);
                }});
}

}  // namespace node
