#pragma once
// /proc/net/dev (and /proc/<pid>/net/dev): per-interface counters, two
// header lines, then "<name>: <8 receive counters> <8 transmit counters>".

#include <cstdint>
#include <string>
#include <vector>

#include "procfs/text.h"

namespace procfs {

struct NetDevLine {
  std::string name;
  std::uint64_t receive_bytes = 0, receive_packets = 0, receive_errors = 0, receive_dropped = 0,
                receive_fifo = 0, receive_frame = 0, receive_compressed = 0, receive_multicast = 0;
  std::uint64_t transmit_bytes = 0, transmit_packets = 0, transmit_errors = 0, transmit_dropped = 0,
                transmit_fifo = 0, transmit_collisions = 0, transmit_carrier = 0,
                transmit_compressed = 0;
};

// Interfaces in file order. Fails on a line without a colon, an empty name,
// fewer than 16 counters or a counter that is not an unsigned number.
Parsed<std::vector<NetDevLine>> parseNetDev(std::string_view text);

}  // namespace procfs
