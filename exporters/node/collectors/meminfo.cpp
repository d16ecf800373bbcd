// meminfo: every /proc/meminfo field as node_memory_<Field>[_bytes], named as
// node_exporter names them: kB fields converted to bytes with a _bytes suffix,
// unit-less fields (HugePages_Total) as they are, "Active(anon)" as
// "Active_anon".

#include "procfs/meminfo.h"

#include <cctype>

#include "collectors/collectors.h"
#include "hostfs/read.h"

namespace node {
namespace {

std::string metricSuffix(const procfs::MeminfoField& field) {
  std::string name(field.name);
  auto open = name.find('(');
  auto close = name.rfind(')');
  if (open != std::string::npos && close != std::string::npos && close > open) {
    name = name.substr(0, open) + "_" + name.substr(open + 1, close - open - 1) +
           name.substr(close + 1);
  }
  // Anything else a future kernel might print must still make a valid name.
  for (char& c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) c = '_';
  }
  if (field.in_kb) name += "_bytes";
  return name;
}

class MeminfoCollector : public runtime::Collector {
 public:
  explicit MeminfoCollector(const hostfs::Paths& paths) : path_(paths.proc("meminfo")) {}

  runtime::Status update(runtime::MetricSink& sink) override {
    auto text = hostfs::readFile(path_);
    if (!text) return runtime::Status::failure(text.error().message());
    auto fields = procfs::parseMeminfo(*text);
    if (!fields) return runtime::Status::failure(path_ + ": " + fields.error());
    for (const procfs::MeminfoField& field : *fields) {
      std::string suffix = metricSuffix(field);
      sink.gauge("node_memory_" + suffix, "Memory information field " + suffix + ".",
                 field.in_kb ? field.value * 1024 : field.value);
    }
    return runtime::Status::ok();
  }

 private:
  std::string path_;
};

}  // namespace

void registerMeminfoCollector(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  registry.add({.name = "meminfo", .enabled_by_default = true, .make = [&paths] {
                  return std::make_unique<MeminfoCollector>(paths);
                }});
}

}  // namespace node
