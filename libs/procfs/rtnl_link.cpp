#include "procfs/rtnl_link.h"

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cstring>

namespace procfs {
namespace {

// The counters in the order both rtnl_link_stats64 (u64) and rtnl_link_stats
// (u32) lay them out.
constexpr std::uint64_t LinkStats::*kFieldOrder[] = {
    &LinkStats::rx_packets,       &LinkStats::tx_packets,          &LinkStats::rx_bytes,
    &LinkStats::tx_bytes,         &LinkStats::rx_errors,           &LinkStats::tx_errors,
    &LinkStats::rx_dropped,       &LinkStats::tx_dropped,          &LinkStats::multicast,
    &LinkStats::collisions,       &LinkStats::rx_length_errors,    &LinkStats::rx_over_errors,
    &LinkStats::rx_crc_errors,    &LinkStats::rx_frame_errors,     &LinkStats::rx_fifo_errors,
    &LinkStats::rx_missed_errors, &LinkStats::tx_aborted_errors,   &LinkStats::tx_carrier_errors,
    &LinkStats::tx_fifo_errors,   &LinkStats::tx_heartbeat_errors, &LinkStats::tx_window_errors,
    &LinkStats::rx_compressed,    &LinkStats::tx_compressed,       &LinkStats::rx_nohandler,
};

template <typename T>
T load(const char* at) {
  T value;
  std::memcpy(&value, at, sizeof value);  // datagram bytes carry no alignment promise
  return value;
}

// Fills the counters from a stats attribute of `width`-byte fields. Older
// kernels send a shorter struct: missing fields stay 0.
template <typename Field>
void loadStats(std::string_view payload, LinkStats& link) {
  std::size_t i = 0;
  for (auto field : kFieldOrder) {
    std::size_t offset = i++ * sizeof(Field);
    if (offset + sizeof(Field) > payload.size()) break;
    link.*field = load<Field>(payload.data() + offset);
  }
}

// One RTM_NEWLINK message body: ifinfomsg, then attributes.
void decodeLink(std::string_view body, std::vector<LinkStats>& links) {
  std::size_t offset = NLMSG_ALIGN(sizeof(ifinfomsg));
  if (body.size() < offset) return;
  LinkStats link;
  bool have_name = false, have_stats64 = false;
  std::string_view stats32;
  while (offset + sizeof(rtattr) <= body.size()) {
    auto attr = load<rtattr>(body.data() + offset);
    if (attr.rta_len < sizeof(rtattr) || offset + attr.rta_len > body.size()) break;
    std::string_view payload = body.substr(offset + RTA_LENGTH(0), attr.rta_len - RTA_LENGTH(0));
    switch (attr.rta_type) {
      case IFLA_IFNAME:
        link.name = std::string(payload.substr(0, payload.find('\0')));
        have_name = !link.name.empty();
        break;
      case IFLA_STATS64:
        loadStats<std::uint64_t>(payload, link);
        have_stats64 = true;
        break;
      case IFLA_STATS:
        stats32 = payload;
        break;
      default:
        break;
    }
    offset += RTA_ALIGN(attr.rta_len);
  }
  if (!have_stats64 && !stats32.empty()) loadStats<std::uint32_t>(stats32, link);
  if (have_name && (have_stats64 || !stats32.empty())) links.push_back(std::move(link));
}

}  // namespace

Parsed<bool> decodeLinkDump(std::string_view datagram, std::vector<LinkStats>& links) {
  std::size_t offset = 0;
  while (offset + sizeof(nlmsghdr) <= datagram.size()) {
    auto header = load<nlmsghdr>(datagram.data() + offset);
    if (header.nlmsg_len < sizeof(nlmsghdr) || offset + header.nlmsg_len > datagram.size()) {
      return unexpected(std::string("netlink message overruns the datagram"));
    }
    std::string_view body = datagram.substr(offset + NLMSG_HDRLEN, header.nlmsg_len - NLMSG_HDRLEN);
    switch (header.nlmsg_type) {
      case NLMSG_DONE:
        return true;
      case NLMSG_ERROR: {
        if (body.size() < sizeof(nlmsgerr))
          return unexpected(std::string("truncated netlink error"));
        int error = -load<nlmsgerr>(body.data()).error;
        if (error == 0) return true;  // an acknowledgement ends the exchange
        return unexpected("netlink error: " + std::string(std::strerror(error)));
      }
      case RTM_NEWLINK:
        decodeLink(body, links);
        break;
      default:
        break;
    }
    offset += NLMSG_ALIGN(header.nlmsg_len);
  }
  return false;
}

}  // namespace procfs
