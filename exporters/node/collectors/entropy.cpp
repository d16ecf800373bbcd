// entropy: the kernel entropy pool's fill level and size from
// /proc/sys/kernel/random.

#include "collectors/collectors.h"
#include "hostfs/read.h"

namespace node {
namespace {

class EntropyCollector : public runtime::Collector {
 public:
  explicit EntropyCollector(const hostfs::Paths& paths)
      : available_path_(paths.proc("sys/kernel/random/entropy_avail")),
        pool_size_path_(paths.proc("sys/kernel/random/poolsize")) {}

  runtime::Status update(runtime::MetricSink& sink) override {
    auto available = hostfs::readUnsigned(available_path_);
    if (!available) return runtime::Status::failure(available.error().message());
    sink.gauge("node_entropy_available_bits", "Bits of available entropy.",
               static_cast<double>(*available));
    auto pool_size = hostfs::readUnsigned(pool_size_path_);
    if (!pool_size) return runtime::Status::failure(pool_size.error().message());
    sink.gauge("node_entropy_pool_size_bits", "Bits of entropy pool.",
               static_cast<double>(*pool_size));
    return runtime::Status::ok();
  }

 private:
  std::string available_path_;
  std::string pool_size_path_;
};

}  // namespace

void registerEntropyCollector(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  registry.add({.name = "entropy", .enabled_by_default = true, .make = [&paths] {
                  return std::make_unique<EntropyCollector>(paths);
                }});
}

}  // namespace node
