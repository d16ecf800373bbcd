// netclass: node_network_info, node_network_up and the numeric attributes of
// every <sysfs>/class/net/<iface>, with node_exporter 1.5's names.

#include "procfs/netclass.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <optional>
#include <tuple>

#include "collectors/collectors.h"
#include "hostfs/open_file_cache.h"
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
// same, except ENODEV, which fails its whole scrape (here the device is
// skipped).
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

// Attribute files of this many devices stay open between scrapes, within
// the process's descriptor budget: 64 devices are 1408 descriptors, and each
// holds a page of kernel memory once read.
constexpr std::size_t kOpenDevices = 64;

class NetclassCollector : public runtime::Collector {
 public:
  NetclassCollector(const hostfs::Paths& paths, const Options& options)
      : class_net_(paths.sys("class/net")),
        ignore_invalid_speed_(options.ignore_invalid_speed),
        ignored_(std::make_unique<runtime::Pattern>(options.ignored_devices,
                                                    "--collector.netclass.ignored-devices")),
        // Opening a sysfs file costs five times what reading it does
        // (measured: 124 us against 21 us for the 22 files of one device),
        // so the files stay open and are read again from offset 0, which
        // makes sysfs render the value afresh. A removed device answers
        // ENODEV and is opened again by name (a new device of that name); a
        // device gone from the listing is closed a few scrapes later.
        files_(hostfs::OpenFileBudget::process(),
               {.max_open = kOpenDevices * procfs::netClassAttributes().size(),
                .short_read_is_eof = true}) {}

  runtime::Status update(runtime::MetricSink& sink) override {
    auto names = hostfs::listDirectory(class_net_);
    if (!names) {
      const auto& error = names.error();
      if (error.notFound() || error.error_number == EACCES || error.error_number == EPERM) {
        return runtime::Status::noData(error.message());
      }
      return runtime::Status::failure(error.message());
    }
    std::vector<procfs::NetClassIface> ifaces;
    for (const std::string& name : *names) {
      if (ignored_->matches(name)) continue;
      auto iface = readIface(name);
      if (!iface) {
        files_.sweep();
        return runtime::Status::failure(iface.error());
      }
      if (iface->has_value()) ifaces.push_back(std::move(**iface));
    }
    files_.sweep();
    emit(sink, ifaces);
    return runtime::Status::ok();
  }

 private:
  // Reads one device's attributes; nullopt when it is no device directory
  // (bonding_masters is a plain file) or vanished since the listing.
  base::Expected<std::optional<procfs::NetClassIface>, std::string> readIface(
      const std::string& name) {
    const std::string dir = class_net_ + "/" + name;
    procfs::NetClassIface iface{.name = name};
    for (std::string_view attribute : procfs::netClassAttributes()) {
      auto text = files_.read(dir + "/" + std::string(attribute), 64 << 10);
      if (text) {
        procfs::setNetClassAttribute(iface, attribute, *text);
        continue;
      }
      const int error_number = text.error().error_number;
      // Removed while being read (ENODEV even when opened afresh), not a
      // directory, or no longer there.
      if (error_number == ENODEV || error_number == ENOTDIR)
        return std::optional<procfs::NetClassIface>();
      if (error_number == ENOENT && !hostfs::exists(dir))
        return std::optional<procfs::NetClassIface>();
      if (error_number != 0 && attributeAbsent(error_number)) continue;
      return base::unexpected(text.error().message());
    }
    return std::optional<procfs::NetClassIface>(std::move(iface));
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
  hostfs::OpenFileCache files_;
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
