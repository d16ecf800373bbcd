// diskstats: node_disk_* from /proc/diskstats, with node_disk_info and the
// filesystem, device-mapper and ATA annotations from the udev database
// (--path.udev.data, files b<major>:<minor>), as node_exporter 1.5.
//
// Flags as upstream: --collector.diskstats.device-exclude (default below),
// --collector.diskstats.device-include, and the deprecated, hidden
// --collector.diskstats.ignored-devices. One intended difference: 1.5 refuses
// to start when only device-include is given (the exclude default counts as
// set); here device-include alone replaces the default exclude.

#include "procfs/diskstats.h"

#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <stdexcept>

#include "collectors/collectors.h"
#include "hostfs/read.h"
#include "log/log.h"
#include "runtime/filter.h"

namespace node {
namespace {

constexpr const char* kDefaultDeviceExclude = "^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$";
constexpr double kSectorBytes = 512;       // /proc/diskstats counts 512-byte sectors
constexpr double kSecondsPerTick = 0.001;  // and milliseconds

struct DiskstatsOptions {
  std::string device_exclude = kDefaultDeviceExclude;
  std::string device_include;
  std::string ignored_devices;  // deprecated spelling of device_exclude
  CLI::Option* exclude_option = nullptr;
};

// The 17 statistics in /proc/diskstats order, and how each is exposed.
struct StatFamily {
  const char* name;
  const char* help;
  bool counter;
  double scale;
};
constexpr StatFamily kStatFamilies[] = {
    {"node_disk_reads_completed_total", "The total number of reads completed successfully.", true,
     1},
    {"node_disk_reads_merged_total", "The total number of reads merged.", true, 1},
    {"node_disk_read_bytes_total", "The total number of bytes read successfully.", true,
     kSectorBytes},
    {"node_disk_read_time_seconds_total", "The total number of seconds spent by all reads.", true,
     kSecondsPerTick},
    {"node_disk_writes_completed_total", "The total number of writes completed successfully.", true,
     1},
    {"node_disk_writes_merged_total", "The number of writes merged.", true, 1},
    {"node_disk_written_bytes_total", "The total number of bytes written successfully.", true,
     kSectorBytes},
    {"node_disk_write_time_seconds_total",
     "This is the total number of seconds spent by all writes.", true, kSecondsPerTick},
    {"node_disk_io_now", "The number of I/Os currently in progress.", false, 1},
    {"node_disk_io_time_seconds_total", "Total seconds spent doing I/Os.", true, kSecondsPerTick},
    {"node_disk_io_time_weighted_seconds_total", "The weighted # of seconds spent doing I/Os.",
     true, kSecondsPerTick},
    {"node_disk_discards_completed_total", "The total number of discards completed successfully.",
     true, 1},
    {"node_disk_discards_merged_total", "The total number of discards merged.", true, 1},
    {"node_disk_discarded_sectors_total", "The total number of sectors discarded successfully.",
     true, 1},
    {"node_disk_discard_time_seconds_total",
     "This is the total number of seconds spent by all discards.", true, kSecondsPerTick},
    {"node_disk_flush_requests_total", "The total number of flush requests completed successfully",
     true, 1},
    {"node_disk_flush_requests_time_seconds_total",
     "This is the total number of seconds spent by all flush requests.", true, kSecondsPerTick},
};

struct AtaFamily {
  const char* property;
  const char* name;
  const char* help;
};
constexpr AtaFamily kAtaFamilies[] = {
    {"ID_ATA_WRITE_CACHE", "node_disk_ata_write_cache", "ATA disk has a write cache."},
    {"ID_ATA_WRITE_CACHE_ENABLED", "node_disk_ata_write_cache_enabled",
     "ATA disk has its write cache enabled."},
    {"ID_ATA_ROTATION_RATE_RPM", "node_disk_ata_rotation_rate_rpm",
     "ATA disk rotation rate in RPMs (0 for SSDs)."},
};

runtime::NameFilter makeFilter(const DiskstatsOptions& options) {
  std::string exclude = options.device_exclude;
  const bool exclude_given = options.exclude_option && options.exclude_option->count() > 0;
  if (!options.ignored_devices.empty()) {
    if (exclude_given) {
      throw std::invalid_argument(
          "--collector.diskstats.ignored-devices and --collector.diskstats.device-exclude are "
          "mutually exclusive");
    }
    LOG_WARN(
        "--collector.diskstats.ignored-devices is DEPRECATED and will be removed in 2.0.0, use "
        "--collector.diskstats.device-exclude",
        {"collector", "diskstats"});
    exclude = options.ignored_devices;
  } else if (!options.device_include.empty() && !exclude_given) {
    exclude.clear();  // the default exclude gives way to an explicit include
  }
  if (!exclude.empty()) {
    LOG_INFO("Parsed flag --collector.diskstats.device-exclude", {"collector", "diskstats"},
             {"flag", exclude});
  }
  if (!options.device_include.empty()) {
    LOG_INFO("Parsed flag --collector.diskstats.device-include", {"collector", "diskstats"},
             {"flag", options.device_include});
  }
  return runtime::NameFilter(options.device_include, exclude, "--collector.diskstats.device");
}

class DiskstatsCollector : public runtime::Collector {
 public:
  DiskstatsCollector(const hostfs::Paths& paths, runtime::NameFilter filter)
      : path_(paths.proc("diskstats")), udev_dir_(paths.udev_data), filter_(std::move(filter)) {
    // Without a udev database there is nothing to look up on every scrape.
    struct stat st;
    use_udev_ = ::stat(udev_dir_.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    if (!use_udev_) {
      LOG_ERROR("Failed to open directory, disabling udev device properties",
                {"collector", "diskstats"}, {"path", udev_dir_});
    }
  }

  runtime::Status update(runtime::MetricSink& sink) override {
    auto text = hostfs::readFile(path_);
    if (!text) return runtime::Status::failure(text.error().message());
    auto parsed = procfs::parseDiskstats(*text);
    if (!parsed) return runtime::Status::failure(path_ + ": " + parsed.error());
    std::vector<procfs::DiskstatsLine> disks;
    for (auto& disk : *parsed) {
      if (!filter_.ignored(disk.device)) disks.push_back(std::move(disk));
    }
    // Series in each family sorted by device, as client_golang serves them.
    std::stable_sort(disks.begin(), disks.end(),
                     [](const auto& a, const auto& b) { return a.device < b.device; });

    auto& info = sink.gauge("node_disk_info", "Info of /sys/block/<block_device>.");
    runtime::MetricFamily* stat_families[std::size(kStatFamilies)];
    for (std::size_t i = 0; i < std::size(kStatFamilies); ++i) {
      const StatFamily& family = kStatFamilies[i];
      stat_families[i] = &(family.counter ? sink.counter(family.name, family.help)
                                          : sink.gauge(family.name, family.help));
    }
    auto& filesystem_info = sink.gauge("node_disk_filesystem_info", "Info about disk filesystem.");
    auto& mapper_info =
        sink.gauge("node_disk_device_mapper_info", "Info about disk device mapper.");
    runtime::MetricFamily* ata_families[std::size(kAtaFamilies)];
    for (std::size_t i = 0; i < std::size(kAtaFamilies); ++i) {
      ata_families[i] = &sink.gauge(kAtaFamilies[i].name, kAtaFamilies[i].help);
    }

    for (const auto& disk : disks) {
      auto udev = udevProperties(disk.major, disk.minor);
      auto property = [&](const char* name) {
        auto it = udev.find(name);
        return it == udev.end() ? std::string() : it->second;
      };
      runtime::addSample(info, 1,
                         {{"device", disk.device},
                          {"major", std::to_string(disk.major)},
                          {"minor", std::to_string(disk.minor)},
                          {"model", property("ID_MODEL")},
                          {"path", property("ID_PATH")},
                          {"revision", property("ID_REVISION")},
                          {"serial", property("ID_SERIAL_SHORT")},
                          {"wwn", property("ID_WWN")}});
      for (std::size_t i = 0; i < disk.stats.size() && i < std::size(kStatFamilies); ++i) {
        runtime::addSample(*stat_families[i],
                           static_cast<double>(disk.stats[i]) * kStatFamilies[i].scale,
                           {{"device", disk.device}});
      }
      if (std::string type = property("ID_FS_TYPE"); !type.empty()) {
        runtime::addSample(filesystem_info, 1,
                           {{"device", disk.device},
                            {"type", type},
                            {"usage", property("ID_FS_USAGE")},
                            {"uuid", property("ID_FS_UUID")},
                            {"version", property("ID_FS_VERSION")}});
      }
      if (std::string name = property("DM_NAME"); !name.empty()) {
        runtime::addSample(mapper_info, 1,
                           {{"device", disk.device},
                            {"lv_layer", property("DM_LV_LAYER")},
                            {"lv_name", property("DM_LV_NAME")},
                            {"name", name},
                            {"uuid", property("DM_UUID")},
                            {"vg_name", property("DM_VG_NAME")}});
      }
      if (!property("ID_ATA").empty()) {
        for (std::size_t i = 0; i < std::size(kAtaFamilies); ++i) {
          auto it = udev.find(kAtaFamilies[i].property);
          if (it == udev.end()) continue;
          if (auto value = procfs::parseDouble(it->second)) {
            runtime::addSample(*ata_families[i], *value, {{"device", disk.device}});
          } else {
            LOG_ERROR("Failed to parse ATA value", {"collector", "diskstats"},
                      {"device", disk.device}, {"property", kAtaFamilies[i].property},
                      {"value", it->second});
          }
        }
      }
    }
    return runtime::Status::ok();
  }

 private:
  std::map<std::string, std::string> udevProperties(std::uint32_t major, std::uint32_t minor) {
    if (!use_udev_) return {};
    std::string file =
        hostfs::Paths::join(udev_dir_, "b" + std::to_string(major) + ":" + std::to_string(minor));
    auto text = hostfs::readFile(file);
    if (!text) {
      LOG_DEBUG("Failed to parse udev info", {"collector", "diskstats"},
                {"err", text.error().message()});
      return {};
    }
    return procfs::parseUdevProperties(*text);
  }

  std::string path_;
  std::string udev_dir_;
  runtime::NameFilter filter_;
  bool use_udev_ = false;
};

}  // namespace

void registerDiskstatsCollector(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  auto options = std::make_shared<DiskstatsOptions>();
  registry.add(
      {.name = "diskstats",
       .enabled_by_default = true,
       .add_flags =
           [options](CLI::App& app) {
             options->exclude_option =
                 app.add_option("--collector.diskstats.device-exclude", options->device_exclude,
                                "Regexp of diskstats devices to exclude (mutually exclusive to "
                                "device-include).")
                     ->capture_default_str();
             app.add_option("--collector.diskstats.device-include", options->device_include,
                            "Regexp of diskstats devices to include (mutually exclusive to "
                            "device-exclude).");
             app.add_option("--collector.diskstats.ignored-devices", options->ignored_devices,
                            "DEPRECATED: use --collector.diskstats.device-exclude.")
                 ->group("");  // hidden, as upstream
           },
       .make =
           [options, &paths] {
             return std::make_unique<DiskstatsCollector>(paths, makeFilter(*options));
           }});
}

}  // namespace node
