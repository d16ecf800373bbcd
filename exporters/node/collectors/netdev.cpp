// netdev: node_network_{receive,transmit}_*_total{device} per interface, and
// node_network_address_info with --collector.netdev.address-info.
//
// Like node_exporter 1.5 the counters come from rtnetlink by default
// (--collector.netdev.netlink), which adds receive_nohandler; with
// --no-collector.netdev.netlink they come from <procfs>/net/dev. Netlink and
// getifaddrs(3) see the network namespace the exporter runs in, whatever
// --path.procfs says; that is upstream's behaviour too.

#include "procfs/netdev.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstring>
#include <span>
#include <tuple>

#include "collectors/collectors.h"
#include "hostfs/read.h"
#include "procfs/rtnl_link.h"
#include "runtime/filter.h"

namespace node {
namespace {

struct Options {
  std::string device_include;
  std::string device_exclude = "^lo$";  // the Debian 1.5.0 build's default
  std::string old_include, old_exclude;
  CLI::Option* exclude_flag = nullptr;
  CLI::Option* old_exclude_flag = nullptr;
  bool address_info = false;
  bool detailed_metrics = false;
  bool netlink = true;
};

// One interface's counters, in the order of the key list they go with.
struct Device {
  std::string name;
  std::vector<std::uint64_t> values;
};

// Keys name the families: node_network_<key>_total. Without
// --collector.netdev.enable-detailed-metrics node_exporter folds the detailed
// error counters into the /proc/net/dev names ("legacy" names), summing them
// exactly as the kernel does for /proc/net/dev.
constexpr std::array<std::string_view, 16> kProcLegacyKeys = {
    "receive_bytes",  "receive_packets",  "receive_errs",       "receive_drop",
    "receive_fifo",   "receive_frame",    "receive_compressed", "receive_multicast",
    "transmit_bytes", "transmit_packets", "transmit_errs",      "transmit_drop",
    "transmit_fifo",  "transmit_colls",   "transmit_carrier",   "transmit_compressed"};
constexpr std::array<std::string_view, 16> kProcDetailedKeys = {
    "receive_bytes",  "receive_packets",  "receive_errors",     "receive_dropped",
    "receive_fifo",   "receive_frame",    "receive_compressed", "receive_multicast",
    "transmit_bytes", "transmit_packets", "transmit_errors",    "transmit_dropped",
    "transmit_fifo",  "transmit_colls",   "transmit_carrier",   "transmit_compressed"};

std::vector<std::uint64_t> procValues(const procfs::NetDevLine& d) {
  return {d.receive_bytes,  d.receive_packets,     d.receive_errors,     d.receive_dropped,
          d.receive_fifo,   d.receive_frame,       d.receive_compressed, d.receive_multicast,
          d.transmit_bytes, d.transmit_packets,    d.transmit_errors,    d.transmit_dropped,
          d.transmit_fifo,  d.transmit_collisions, d.transmit_carrier,   d.transmit_compressed};
}

constexpr std::array<std::string_view, 17> kLinkLegacyKeys = {
    "receive_bytes",      "receive_packets", "receive_errs",       "receive_drop",
    "receive_fifo",       "receive_frame",   "receive_compressed", "receive_multicast",
    "receive_nohandler",  "transmit_bytes",  "transmit_packets",   "transmit_errs",
    "transmit_drop",      "transmit_fifo",   "transmit_colls",     "transmit_carrier",
    "transmit_compressed"};

std::vector<std::uint64_t> linkLegacyValues(const procfs::LinkStats& s) {
  return {s.rx_bytes,
          s.rx_packets,
          s.rx_errors,
          s.rx_dropped + s.rx_missed_errors,
          s.rx_fifo_errors,
          s.rx_frame_errors + s.rx_length_errors + s.rx_over_errors + s.rx_crc_errors,
          s.rx_compressed,
          s.multicast,
          s.rx_nohandler,
          s.tx_bytes,
          s.tx_packets,
          s.tx_errors,
          s.tx_dropped,
          s.tx_fifo_errors,
          s.collisions,
          s.tx_carrier_errors + s.tx_aborted_errors + s.tx_heartbeat_errors + s.tx_window_errors,
          s.tx_compressed};
}

constexpr std::array<std::string_view, 24> kLinkDetailedKeys = {"receive_packets",
                                                                "transmit_packets",
                                                                "receive_bytes",
                                                                "transmit_bytes",
                                                                "receive_errors",
                                                                "transmit_errors",
                                                                "receive_dropped",
                                                                "transmit_dropped",
                                                                "multicast",
                                                                "collisions",
                                                                "receive_length_errors",
                                                                "receive_over_errors",
                                                                "receive_crc_errors",
                                                                "receive_frame_errors",
                                                                "receive_fifo_errors",
                                                                "receive_missed_errors",
                                                                "transmit_aborted_errors",
                                                                "transmit_carrier_errors",
                                                                "transmit_fifo_errors",
                                                                "transmit_heartbeat_errors",
                                                                "transmit_window_errors",
                                                                "receive_compressed",
                                                                "transmit_compressed",
                                                                "receive_nohandler"};

std::vector<std::uint64_t> linkDetailedValues(const procfs::LinkStats& s) {
  return {s.rx_packets,        s.tx_packets,        s.rx_bytes,         s.tx_bytes,
          s.rx_errors,         s.tx_errors,         s.rx_dropped,       s.tx_dropped,
          s.multicast,         s.collisions,        s.rx_length_errors, s.rx_over_errors,
          s.rx_crc_errors,     s.rx_frame_errors,   s.rx_fifo_errors,   s.rx_missed_errors,
          s.tx_aborted_errors, s.tx_carrier_errors, s.tx_fifo_errors,   s.tx_heartbeat_errors,
          s.tx_window_errors,  s.rx_compressed,     s.tx_compressed,    s.rx_nohandler};
}

// Closes a descriptor on every path out.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// One RTM_GETLINK dump of every interface in this network namespace.
base::Expected<std::vector<procfs::LinkStats>, std::string> dumpLinks() {
  auto failure = [](const char* what) {
    return base::unexpected("netlink: " + std::string(what) + ": " + std::strerror(errno));
  };
  FileDescriptor sock(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (sock.get() < 0) return failure("socket");
  // Never let a scrape wait forever on the kernel.
  timeval timeout{.tv_sec = 10, .tv_usec = 0};
  ::setsockopt(sock.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);

  struct {
    nlmsghdr header;
    ifinfomsg body;
  } request{};
  request.header.nlmsg_len = sizeof request;
  request.header.nlmsg_type = RTM_GETLINK;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.header.nlmsg_seq = 1;
  request.body.ifi_family = AF_UNSPEC;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(sock.get(), &request, sizeof request, 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof kernel) < 0) {
    return failure("send");
  }

  std::vector<procfs::LinkStats> links;
  std::vector<char> buffer(64 << 10);  // larger than any dump datagram the kernel builds
  while (true) {
    iovec io{.iov_base = buffer.data(), .iov_len = buffer.size()};
    msghdr message{};
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    ssize_t n = ::recvmsg(sock.get(), &message, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return failure("receive");
    }
    if (message.msg_flags & MSG_TRUNC) return base::unexpected(std::string("netlink: truncated"));
    if (n == 0) return base::unexpected(std::string("netlink: dump ended early"));
    auto done = procfs::decodeLinkDump(std::string_view(buffer.data(), n), links);
    if (!done) return base::unexpected("netlink: " + done.error());
    if (*done) return links;
  }
}

// node_network_address_info's scope label, by Go's net.IP classification.
std::string addressScope(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    std::uint32_t ip = ntohl(reinterpret_cast<const sockaddr_in*>(address)->sin_addr.s_addr);
    bool loopback = (ip >> 24) == 127;
    bool link_local_unicast = (ip >> 16) == 0xa9fe;     // 169.254/16
    bool link_local_multicast = (ip >> 8) == 0xe00000;  // 224.0.0/24
    bool multicast = (ip >> 28) == 0xe;
    if (loopback || link_local_unicast || link_local_multicast) return "link-local";
    if (ip != 0 && ip != 0xffffffff && !multicast) return "global";
    return "";
  }
  const in6_addr& ip = reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr;
  if (IN6_IS_ADDR_V4MAPPED(&ip)) {
    sockaddr_in v4{};
    v4.sin_family = AF_INET;
    std::memcpy(&v4.sin_addr, ip.s6_addr + 12, 4);
    return addressScope(reinterpret_cast<const sockaddr*>(&v4));
  }
  bool link_local_multicast = ip.s6_addr[0] == 0xff && (ip.s6_addr[1] & 0x0f) == 0x02;
  bool interface_local_multicast = ip.s6_addr[0] == 0xff && (ip.s6_addr[1] & 0x0f) == 0x01;
  if (IN6_IS_ADDR_LOOPBACK(&ip) || IN6_IS_ADDR_LINKLOCAL(&ip) || link_local_multicast) {
    return "link-local";
  }
  if (interface_local_multicast) return "interface-local";
  if (!IN6_IS_ADDR_UNSPECIFIED(&ip) && !IN6_IS_ADDR_MULTICAST(&ip)) return "global";
  return "";
}

int prefixLength(const sockaddr* netmask) {
  if (!netmask) return 0;
  std::span<const unsigned char> bytes;
  if (netmask->sa_family == AF_INET) {
    const auto& addr = reinterpret_cast<const sockaddr_in*>(netmask)->sin_addr;
    bytes = {reinterpret_cast<const unsigned char*>(&addr), 4};
  } else {
    const auto& addr = reinterpret_cast<const sockaddr_in6*>(netmask)->sin6_addr;
    bytes = {addr.s6_addr, 16};
  }
  int ones = 0;
  for (unsigned char byte : bytes) ones += std::popcount(static_cast<unsigned>(byte));
  return ones;
}

// node_network_address_info{address,device,netmask,scope}: every IP address
// of every interface, unfiltered, as upstream does.
runtime::Status emitAddressInfo(runtime::MetricSink& sink) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) {
    return runtime::Status::failure(std::string("getifaddrs: ") + std::strerror(errno));
  }
  std::vector<std::array<std::string, 4>> rows;
  for (ifaddrs* entry = list; entry; entry = entry->ifa_next) {
    const sockaddr* address = entry->ifa_addr;
    if (!address || (address->sa_family != AF_INET && address->sa_family != AF_INET6)) continue;
    char text[INET6_ADDRSTRLEN] = {};
    const void* raw =
        address->sa_family == AF_INET
            ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(address)->sin_addr)
            : static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr);
    if (!::inet_ntop(address->sa_family, raw, text, sizeof text)) continue;
    // IPv4 labels ("eth0:1") start with the device name; ':' is not allowed in one.
    std::string device = entry->ifa_name ? entry->ifa_name : "";
    device = device.substr(0, device.find(':'));
    rows.push_back(
        {text, device, std::to_string(prefixLength(entry->ifa_netmask)), addressScope(address)});
  }
  ::freeifaddrs(list);
  std::sort(rows.begin(), rows.end());
  auto& family = sink.gauge("node_network_address_info", "node network address by device");
  for (auto& row : rows) {
    runtime::addSample(
        family, 1,
        {{"address", row[0]}, {"device", row[1]}, {"netmask", row[2]}, {"scope", row[3]}});
  }
  return runtime::Status::ok();
}

class NetdevCollector : public runtime::Collector {
 public:
  NetdevCollector(const hostfs::Paths& paths, const Options& options, runtime::NameFilter filter)
      : path_(paths.proc("net/dev")), options_(options), filter_(std::move(filter)) {}

  runtime::Status update(runtime::MetricSink& sink) override {
    std::vector<Device> devices;
    std::span<const std::string_view> keys;
    if (options_.netlink) {
      auto links = dumpLinks();
      if (!links) return runtime::Status::failure(links.error());
      for (const auto& link : *links) {
        if (filter_.ignored(link.name)) continue;
        devices.push_back({link.name, options_.detailed_metrics ? linkDetailedValues(link)
                                                                : linkLegacyValues(link)});
      }
      keys = options_.detailed_metrics ? std::span<const std::string_view>(kLinkDetailedKeys)
                                       : std::span<const std::string_view>(kLinkLegacyKeys);
    } else {
      auto text = hostfs::readFile(path_);
      if (!text) return runtime::Status::failure(text.error().message());
      auto lines = procfs::parseNetDev(*text);
      if (!lines) return runtime::Status::failure(path_ + ": " + lines.error());
      for (const auto& line : *lines) {
        if (filter_.ignored(line.name)) continue;
        devices.push_back({line.name, procValues(line)});
      }
      keys = options_.detailed_metrics ? std::span<const std::string_view>(kProcDetailedKeys)
                                       : std::span<const std::string_view>(kProcLegacyKeys);
    }
    emitCounters(sink, keys, devices);
    if (options_.address_info) return emitAddressInfo(sink);
    return runtime::Status::ok();
  }

 private:
  static void emitCounters(runtime::MetricSink& sink, std::span<const std::string_view> keys,
                           std::vector<Device>& devices) {
    std::sort(devices.begin(), devices.end(),
              [](const Device& a, const Device& b) { return a.name < b.name; });
    for (std::size_t k = 0; k < keys.size(); ++k) {
      std::string key(keys[k]);
      auto& family =
          sink.counter("node_network_" + key + "_total", "Network device statistic " + key + ".");
      family.metric.reserve(devices.size());
      for (const Device& device : devices) {
        runtime::addSample(family, static_cast<double>(device.values[k]),
                           {{"device", device.name}});
      }
    }
  }

  std::string path_;
  Options options_;
  runtime::NameFilter filter_;
};

}  // namespace

void registerNetdevCollector(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  auto options = std::make_shared<Options>();
  registry.add(
      {.name = "netdev",
       .enabled_by_default = true,
       .add_flags =
           [options](CLI::App& app) {
             const char* group = "Collector netdev";
             app.add_option("--collector.netdev.device-include", options->device_include,
                            "Regexp of net devices to include (mutually exclusive to "
                            "device-exclude).")
                 ->group(group);
             options->exclude_flag =
                 app.add_option("--collector.netdev.device-exclude", options->device_exclude,
                                "Regexp of net devices to exclude (mutually exclusive to "
                                "device-include).")
                     ->capture_default_str()
                     ->group(group);
             // Deprecated spellings upstream still accepts, hidden as there.
             app.add_option("--collector.netdev.device-whitelist", options->old_include)->group("");
             options->old_exclude_flag =
                 app.add_option("--collector.netdev.device-blacklist", options->old_exclude)
                     ->group("");
             app.add_flag("--collector.netdev.address-info", options->address_info,
                          "Collect address-info for every device")
                 ->group(group);
             app.add_flag("--collector.netdev.enable-detailed-metrics", options->detailed_metrics,
                          "Use (incompatible) metric names that provide more detailed stats on "
                          "Linux")
                 ->group(group);
             app.add_flag("--collector.netdev.netlink,!--no-collector.netdev.netlink",
                          options->netlink, "Use netlink to gather stats instead of /proc/net/dev.")
                 ->capture_default_str()
                 ->group(group);
           },
       .make =
           [options, &paths] {
             std::string include = options->device_include;
             std::string exclude = options->device_exclude;
             bool exclude_given = options->exclude_flag && options->exclude_flag->count() > 0;
             if (!options->old_include.empty()) {
               if (!include.empty()) {
                 throw std::invalid_argument(
                     "--collector.netdev.device-whitelist and --collector.netdev.device-include "
                     "are mutually exclusive");
               }
               include = options->old_include;
             }
             if (options->old_exclude_flag && options->old_exclude_flag->count() > 0) {
               if (exclude_given) {
                 throw std::invalid_argument(
                     "--collector.netdev.device-blacklist and --collector.netdev.device-exclude "
                     "are mutually exclusive");
               }
               exclude = options->old_exclude;
               exclude_given = true;
             }
             // The Debian build refuses any include pattern because its exclude
             // default is always set; an include alone replaces that default here.
             if (!include.empty() && !exclude_given) exclude.clear();
             runtime::NameFilter filter(include, exclude, "--collector.netdev.device");
             return std::make_unique<NetdevCollector>(paths, *options, std::move(filter));
           }});
}

}  // namespace node
