// filefd: allocated and maximum file handles from /proc/sys/fs/file-nr.

#include "procfs/filefd.h"

#include "collectors/collectors.h"
#include "hostfs/read.h"

namespace node {
namespace {

class FilefdCollector : public runtime::Collector {
 public:
  explicit FilefdCollector(const hostfs::Paths& paths) : path_(paths.proc("sys/fs/file-nr")) {}

  runtime::Status update(runtime::MetricSink& sink) override {
    auto text = hostfs::readFile(path_);
    if (!text) return runtime::Status::failure(text.error().message());
    auto file_nr = procfs::parseFileNr(*text);
    if (!file_nr) return runtime::Status::failure(path_ + ": " + file_nr.error());
    sink.gauge("node_filefd_allocated", "File descriptor statistics: allocated.",
               static_cast<double>(file_nr->allocated));
    sink.gauge("node_filefd_maximum", "File descriptor statistics: maximum.",
               static_cast<double>(file_nr->maximum));
    return runtime::Status::ok();
  }

 private:
  std::string path_;
};

}  // namespace

void registerFilefdCollector(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  registry.add({.name = "filefd", .enabled_by_default = true, .make = [&paths] {
                  return std::make_unique<FilefdCollector>(paths);
                }});
}

}  // namespace node
