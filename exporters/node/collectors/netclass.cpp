// netclass: node_network_info, node_network_up and the numeric attributes of
// every <sysfs>/class/net/<iface>, with node_exporter 1.5's names.

#include "procfs/netclass.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <tuple>

#include "collectors/collectors.h"
#include "hostfs/read.h"
#include "runtime/filter.h"

namespace node {
namespace {

struct Options {
  std::string ignored_devices = "^$";
  bool ignore_invalid_speed = false;
};

// Read errors that say "this attribute has no value for this device" (speed
// of a link that is down: EINVAL; phys_port_id: EOPNOTSUPP; a directory:
// EISDIR) or that the device went away mid-read (ENODEV). Upstream skips the
// same, except ENODEV, which fails its whole scrape.
bool attributeAbsent(int error_number) {
  switch (error_number) {
    case ENOENT:
    case ENOTDIR:
    case EISDIR:
    case EACCES:
    case EPERM:
    case EOPNOTSUPP:
    case EINVAL:
    case ENODEV:
      return true;
    default:
      return false;
  }
}

// How many devices keep their attribute files open between scrapes: a
// quarter of the descriptor limit, at most 64 devices (1408 descriptors).
std::size_t openDeviceBudget(std::size_t attributes_per_device) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  std::size_t quarter = static_cast<std::size_t>(limit.rlim_cur / 4);
  return std::min<std::size_t>(quarter / attributes_per_device, 64);
}

class NetclassCollector : public runtime::Collector {
 public:
  NetclassCollector(const hostfs::Paths& paths, const Options& options)
      : class_net_(paths.sys("class/net")),
        ignore_invalid_speed_(options.ignore_invalid_speed),
        ignored_(std::make_unique<runtime::Pattern>(options.ignored_devices,
                                                    "--collector.netclass.ignored-devices")),
        open_device_budget_(openDeviceBudget(procfs::netClassAttributes().size())) {}

  ~NetclassCollector() override {
    for (auto& [name, device] : open_devices_) closeDevice(device);
  }

  runtime::Status update(runtime::MetricSink& sink) override {
    auto names = hostfs::listDirectory(class_net_);
    if (!names) {
      const auto& error = names.error();
      if (error.notFound() || error.error_number == EACCES || error.error_number == EPERM) {
        return runtime::Status::noData(error.message());
      }
      return runtime::Status::failure(error.message());
    }
    // Devices gone since the last scrape (a container's veth) let go of
    // their files.
    for (auto it = open_devices_.begin(); it != open_devices_.end();) {
      if (std::binary_search(names->begin(), names->end(), it->first)) {
        ++it;
      } else {
        closeDevice(it->second);
        it = open_devices_.erase(it);
      }
    }
    std::vector<procfs::NetClassIface> ifaces;
    for (const std::string& name : *names) {
      if (ignored_->matches(name)) continue;
      auto iface = readIface(name);
      if (!iface) return runtime::Status::failure(iface.error());
      if (iface->has_value()) ifaces.push_back(std::move(**iface));
    }
    emit(sink, ifaces);
    return runtime::Status::ok();
  }

 private:
  // A device's attribute files, open. Opening a sysfs file costs five times
  // what reading it does (measured: 124 us against 21 us for the 22 files of
  // one device), so files stay open between scrapes and are read again from
  // offset 0, which makes sysfs render the value afresh. A removed device
  // answers ENODEV and is opened again by name (a new device of that name).
  struct OpenDevice {
    std::vector<int> fds;  // per attribute; -errno where it could not be opened
  };
  enum class ReadOutcome { ok, stale, failed };

  static void closeDevice(OpenDevice& device) {
    for (int fd : device.fds) {
      if (fd >= 0) ::close(fd);
    }
    device.fds.clear();
  }

  // Reads one device's attributes; nullopt when it is no device directory
  // (bonding_masters is a plain file) or vanished since the listing.
  base::Expected<std::optional<procfs::NetClassIface>, std::string> readIface(
      const std::string& name) {
    if (auto cached = open_devices_.find(name); cached != open_devices_.end()) {
      procfs::NetClassIface iface{.name = name};
      std::string error;
      switch (readOpened(name, cached->second, iface, error)) {
        case ReadOutcome::ok: return std::optional<procfs::NetClassIface>(std::move(iface));
        case ReadOutcome::failed: return base::unexpected(std::move(error));
        case ReadOutcome::stale:
          closeDevice(cached->second);
          open_devices_.erase(cached);
          break;
      }
    }
    const std::string dir_path = class_net_ + "/" + name;
    int dir = ::open(dir_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) {
      if (errno == ENOENT || errno == ENOTDIR) return std::optional<procfs::NetClassIface>();
      return base::unexpected(dir_path + ": " + std::strerror(errno));
    }
    OpenDevice device;
    for (std::string_view attribute : procfs::netClassAttributes()) {
      int fd = ::openat(dir, attribute.data(), O_RDONLY | O_CLOEXEC);
      device.fds.push_back(fd >= 0 ? fd : -errno);
    }
    ::close(dir);
    procfs::NetClassIface iface{.name = name};
    std::string error;
    ReadOutcome outcome = readOpened(name, device, iface, error);
    if (outcome == ReadOutcome::ok && open_devices_.size() < open_device_budget_) {
      open_devices_.emplace(name, std::move(device));
    } else {
      closeDevice(device);
    }
    if (outcome == ReadOutcome::failed) return base::unexpected(std::move(error));
    if (outcome == ReadOutcome::stale) return std::optional<procfs::NetClassIface>();
    return std::optional<procfs::NetClassIface>(std::move(iface));
  }

  ReadOutcome readOpened(const std::string& name, const OpenDevice& device,
                         procfs::NetClassIface& iface, std::string& error) const {
    std::string text;
    const auto& attributes = procfs::netClassAttributes();
    for (std::size_t i = 0; i < attributes.size(); ++i) {
      int error_number = device.fds[i] < 0 ? -device.fds[i] : readFrom(device.fds[i], text);
      if (error_number == ENODEV) return ReadOutcome::stale;
      if (error_number != 0) {
        if (attributeAbsent(error_number)) continue;
        std::string path = class_net_ + "/" + name + "/" + std::string(attributes[i]);
        error = error_number == EFBIG ? path + ": file larger than the read limit"
                                      : path + ": " + std::strerror(error_number);
        return ReadOutcome::failed;
      }
      procfs::setNetClassAttribute(iface, attributes[i], text);
    }
    return ReadOutcome::ok;
  }

  // Reads the whole of an open attribute file from offset 0 into `text`;
  // returns 0 or the errno (EFBIG past 64 KiB). sysfs hands over a whole
  // attribute in the first read; only a full buffer reads on.
  static int readFrom(int fd, std::string& text) {
    constexpr std::size_t kLimit = 64 << 10;
    char buffer[4096];
    text.clear();
    while (true) {
      ssize_t n = ::pread(fd, buffer, sizeof buffer, static_cast<off_t>(text.size()));
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno;
      }
      text.append(buffer, static_cast<std::size_t>(n));
      if (static_cast<std::size_t>(n) < sizeof buffer) return 0;  // short read: all of it
      if (text.size() >= kLimit) return EFBIG;
    }
  }

  void emit(runtime::MetricSink& sink, const std::vector<procfs::NetClassIface>& ifaces) const {
    auto& up = sink.gauge("node_network_up", "Value is 1 if operstate is 'up', 0 otherwise.");
    auto& info = sink.gauge("node_network_info",
                            "Non-numeric data from /sys/class/net/<iface>, value is always 1.");
    auto property = [&](const char* name, runtime::MetricType type) -> runtime::MetricFamily& {
      return sink.family(std::string("node_network_") + name,
                         std::string("Network device property: ") + name, type);
    };
    using runtime::MetricType;
    auto& address_assign_type = property("address_assign_type", MetricType::Gauge);
    auto& carrier = property("carrier", MetricType::Gauge);
    auto& carrier_changes = property("carrier_changes_total", MetricType::Counter);
    auto& carrier_up = property("carrier_up_changes_total", MetricType::Counter);
    auto& carrier_down = property("carrier_down_changes_total", MetricType::Counter);
    auto& device_id = property("device_id", MetricType::Gauge);
    auto& dormant = property("dormant", MetricType::Gauge);
    auto& flags = property("flags", MetricType::Gauge);
    auto& iface_id = property("iface_id", MetricType::Gauge);
    auto& iface_link = property("iface_link", MetricType::Gauge);
    auto& iface_link_mode = property("iface_link_mode", MetricType::Gauge);
    auto& mtu = property("mtu_bytes", MetricType::Gauge);
    auto& name_assign_type = property("name_assign_type", MetricType::Gauge);
    auto& net_dev_group = property("net_dev_group", MetricType::Gauge);
    auto& speed = property("speed_bytes", MetricType::Gauge);
    auto& queue_length = property("transmit_queue_length", MetricType::Gauge);
    auto& protocol_type = property("protocol_type", MetricType::Gauge);

    // node_exporter orders samples by label values; the info family's first
    // label is address, not device.
    std::vector<const procfs::NetClassIface*> by_info(ifaces.size());
    std::transform(ifaces.begin(), ifaces.end(), by_info.begin(), [](auto& i) { return &i; });
    std::sort(by_info.begin(), by_info.end(), [](auto* a, auto* b) {
      return std::tie(a->address, a->broadcast, a->name, a->duplex, a->ifalias, a->operstate) <
             std::tie(b->address, b->broadcast, b->name, b->duplex, b->ifalias, b->operstate);
    });
    for (const auto* iface : by_info) {
      runtime::addSample(info, 1,
                         {{"address", iface->address},
                          {"broadcast", iface->broadcast},
                          {"device", iface->name},
                          {"duplex", iface->duplex},
                          {"ifalias", iface->ifalias},
                          {"operstate", iface->operstate}});
    }

    for (const auto& iface : ifaces) {
      auto put = [&](runtime::MetricFamily& family, const std::optional<std::int64_t>& value) {
        if (value)
          runtime::addSample(family, static_cast<double>(*value), {{"device", iface.name}});
      };
      put(up, iface.operstate == "up" ? 1 : 0);
      put(address_assign_type, iface.addr_assign_type);
      put(carrier, iface.carrier);
      put(carrier_changes, iface.carrier_changes);
      put(carrier_up, iface.carrier_up_count);
      put(carrier_down, iface.carrier_down_count);
      put(device_id, iface.dev_id);
      put(dormant, iface.dormant);
      put(flags, iface.flags);
      put(iface_id, iface.ifindex);
      put(iface_link, iface.iflink);
      put(iface_link_mode, iface.link_mode);
      put(mtu, iface.mtu);
      put(name_assign_type, iface.name_assign_type);
      put(net_dev_group, iface.netdev_group);
      // Mbit/s to bytes/s. Links of unknown speed report -1, exposed as
      // -125000 unless --collector.netclass.ignore-invalid-speed.
      if (iface.speed && (*iface.speed >= 0 || !ignore_invalid_speed_)) {
        put(speed, *iface.speed * 1000 * 1000 / 8);
      }
      put(queue_length, iface.tx_queue_len);
      put(protocol_type, iface.type);
    }
  }

  std::string class_net_;
  bool ignore_invalid_speed_;
  std::unique_ptr<runtime::Pattern> ignored_;
  std::size_t open_device_budget_;
  std::map<std::string, OpenDevice> open_devices_;
};

}  // namespace

void registerNetclassCollector(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  auto options = std::make_shared<Options>();
  registry.add(
      {.name = "netclass",
       .enabled_by_default = true,
       .add_flags =
           [options](CLI::App& app) {
             app.add_option("--collector.netclass.ignored-devices", options->ignored_devices,
                            "Regexp of net devices to ignore for netclass collector.")
                 ->capture_default_str()
                 ->group("Collector netclass");
             app.add_flag("--collector.netclass.ignore-invalid-speed",
                          options->ignore_invalid_speed,
                          "Ignore devices where the speed is invalid. This will be the "
                          "default behavior in 2.x.")
                 ->group("Collector netclass");
           },
       .make = [options, &paths] { return std::make_unique<NetclassCollector>(paths, *options); }});
}

}  // namespace node
