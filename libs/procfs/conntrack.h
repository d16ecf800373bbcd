#pragma once
// Netfilter connection tracking: /proc/sys/net/netfilter/nf_conntrack_{count,max}
// and the per-CPU table /proc/net/stat/nf_conntrack.

#include <cstdint>

#include "procfs/text.h"

namespace procfs {

// The per-CPU counters node_exporter exposes, summed over CPUs.
struct ConntrackStat {
  std::uint64_t found = 0, invalid = 0, ignore = 0, insert = 0, insert_failed = 0, drop = 0,
                early_drop = 0, search_restart = 0;
};

// A header naming the columns, then one row of hexadecimal numbers per CPU.
// Columns are found by name, so kernels that add columns still parse. Fails when
// a needed column is missing, a row's width differs from the header's, or a
// value is not hexadecimal.
Parsed<ConntrackStat> parseConntrackStat(std::string_view text);

// nf_conntrack_count / nf_conntrack_max: one decimal number.
Parsed<std::uint64_t> parseConntrackValue(std::string_view text);

}  // namespace procfs
