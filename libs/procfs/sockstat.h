#pragma once
// /proc/net/sockstat and /proc/net/sockstat6: "<PROTO>: <key> <value> ...".

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "procfs/text.h"

namespace procfs {

struct SockstatProtocol {
  std::string protocol;    // "TCP", "UDP6", "FRAG"
  std::int64_t inuse = 0;  // always reported, 0 when the line lacks it
  std::optional<std::int64_t> orphan, tw, alloc, mem, memory;
};

struct Sockstat {
  std::optional<std::int64_t> sockets_used;  // the "sockets: used N" line (IPv4 only)
  std::vector<SockstatProtocol> protocols;   // in file order
};

// Keys other than inuse, orphan, tw, alloc, mem and memory are ignored. Fails on
// a line with no key/value pair, an odd number of fields after the protocol, or
// a value that is not an integer.
Parsed<Sockstat> parseSockstat(std::string_view text);

}  // namespace procfs
