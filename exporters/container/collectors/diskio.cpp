// diskio: bytes and operations each container read and wrote per block
// device (blkio controller, v2 io.stat). The device label is the /dev name
// found through <sysfs>/dev/block/<major>:<minor>/uevent.

#include "container/collectors/collectors.h"

namespace container {
namespace {

class DiskioCollector : public ContainerCollector {
 public:
  using ContainerCollector::ContainerCollector;

  runtime::Status update(runtime::MetricSink& sink) override {
    auto view = containers_->view();
    auto& read_bytes =
        sink.counter("container_fs_reads_bytes_total", "Cumulative count of bytes read");
    auto& write_bytes =
        sink.counter("container_fs_writes_bytes_total", "Cumulative count of bytes written");
    auto& reads = sink.counter("container_fs_reads_total", "Cumulative count of reads completed");
    auto& writes =
        sink.counter("container_fs_writes_total", "Cumulative count of writes completed");
    return forEachCgroup(
        *containers_, *view, cgroup_files_, cgroups::readIo,
        [&](const ContainerView& entry, const std::vector<cgroups::IoDevice>& devices) {
          for (const auto& device : devices) {
            auto labels = withLabel(entry.labels, "device", deviceName(device.major, device.minor));
            addSample(read_bytes, device.read_bytes, labels);
            addSample(write_bytes, device.write_bytes, labels);
            addSample(reads, device.reads, labels);
            addSample(writes, device.writes, labels);
          }
        });
  }

 private:
  const std::string& deviceName(std::uint32_t major, std::uint32_t minor) {
    auto key = std::pair{major, minor};
    auto found = names_.find(key);
    if (found != names_.end()) return found->second;
    return names_.emplace(key, blockDeviceName(containers_->options().paths, major, minor))
        .first->second;
  }

  std::map<std::pair<std::uint32_t, std::uint32_t>, std::string> names_;
};

}  // namespace

void registerDiskioCollector(runtime::CollectorRegistry& registry, SharedContainers& shared) {
  registry.add(containerCollector<DiskioCollector>(
      shared, "diskio", "Block I/O bytes and operations per container and device."));
}

}  // namespace container
