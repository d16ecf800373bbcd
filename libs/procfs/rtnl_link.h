#pragma once
// Decoding an rtnetlink RTM_GETLINK dump: the interface counters node_exporter
// 1.5 reads by default (--collector.netdev.netlink). Only decoding lives here;
// the socket is the collector's business.

#include <cstdint>
#include <string>
#include <vector>

#include "procfs/text.h"

namespace procfs {

// struct rtnl_link_stats64, field for field (linux/if_link.h), up to rx_nohandler.
struct LinkStats {
  std::string name;
  std::uint64_t rx_packets = 0, tx_packets = 0, rx_bytes = 0, tx_bytes = 0;
  std::uint64_t rx_errors = 0, tx_errors = 0, rx_dropped = 0, tx_dropped = 0;
  std::uint64_t multicast = 0, collisions = 0;
  std::uint64_t rx_length_errors = 0, rx_over_errors = 0, rx_crc_errors = 0;
  std::uint64_t rx_frame_errors = 0, rx_fifo_errors = 0, rx_missed_errors = 0;
  std::uint64_t tx_aborted_errors = 0, tx_carrier_errors = 0, tx_fifo_errors = 0;
  std::uint64_t tx_heartbeat_errors = 0, tx_window_errors = 0;
  std::uint64_t rx_compressed = 0, tx_compressed = 0;
  std::uint64_t rx_nohandler = 0;
};

// Decodes one datagram of the dump (whole netlink messages, as recv() returns
// them) and appends every link that has a name and counters (IFLA_STATS64, or
// the 32-bit IFLA_STATS on kernels without it). Returns true once NLMSG_DONE
// was seen. Fails on NLMSG_ERROR or a message that overruns the datagram.
Parsed<bool> decodeLinkDump(std::string_view datagram, std::vector<LinkStats>& links);

}  // namespace procfs
