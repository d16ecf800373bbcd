// vmstat: /proc/vmstat counters whose names match --collector.vmstat.fields,
// as untyped node_vmstat_<name> (node_exporter does not know which are
// counters).

#include "procfs/vmstat.h"


#include <CLI/CLI.hpp>

#include "collectors/collectors.h"
#include "hostfs/read.h"
#include "runtime/filter.h"

namespace node {
namespace {

struct VmstatOptions {
  std::string fields = "^(oom_kill|pgpg|pswp|pg.*fault).*";
};

class VmstatCollector : public runtime::Collector {
 public:
  VmstatCollector(const hostfs::Paths& paths, const VmstatOptions& options)
      : path_(paths.proc("vmstat")),
        fields_(std::make_unique<runtime::Pattern>(options.fields, "--collector.vmstat.fields")) {}

  runtime::Status update(runtime::MetricSink& sink) override {
    auto text = hostfs::readFile(path_);
    if (!text) return runtime::Status::failure(text.error().message());
    auto fields = procfs::parseVmstat(*text);
    if (!fields) return runtime::Status::failure(path_ + ": " + fields.error());
    for (const procfs::VmstatField& field : *fields) {
      if (!fields_->matches(field.name)) continue;
      std::string name(field.name);
      auto& family =
          sink.untyped("node_vmstat_" + name, "/proc/vmstat information field " + name + ".");
      runtime::addSample(family, field.value);
    }
    return runtime::Status::ok();
  }

 private:
  std::string path_;
  std::unique_ptr<runtime::Pattern> fields_;
};

}  // namespace

void registerVmstatCollector(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  auto options = std::make_shared<VmstatOptions>();
  registry.add(
      {.name = "vmstat",
       .enabled_by_default = true,
       .add_flags =
           [options](CLI::App& app) {
             app.add_option("--collector.vmstat.fields", options->fields,
                            "Regexp of fields to return for vmstat collector.")
                 ->capture_default_str()
                 ->group("Collectors");
           },
       .make = [&paths, options] { return std::make_unique<VmstatCollector>(paths, *options); }});
}

}  // namespace node
