#pragma once
// /proc/net/netstat, /proc/net/snmp and /proc/net/snmp6: protocol counters.

#include <string>
#include <vector>

#include "procfs/text.h"

namespace procfs {

// Views into the parsed text: keep the text alive while using them.
struct NetStatValue {
  std::string_view protocol;  // "TcpExt", "Ip6"
  std::string_view name;      // "ListenDrops", "InOctets"
  double value = 0;
};

// netstat and snmp: pairs of lines, "Tcp: RtoAlgorithm RtoMin ..." then
// "Tcp: 1 200 ...". Fails on a lone header line, a value line for another
// protocol, a field count mismatch, a value that is no number, or a protocol
// that appears twice.
Parsed<std::vector<NetStatValue>> parseNetStat(std::string_view text);

// snmp6: "Ip6InReceives   4" per line; the protocol is the name up to its
// first "6". Lines without a "6" in the name or without a value are skipped.
Parsed<std::vector<NetStatValue>> parseSnmp6(std::string_view text);

}  // namespace procfs
