#pragma once
// Pure parsers for Dovecot 2.3's stats: the answer of the stats-reader socket
// to `DUMP\tcount\tsum` (what `doveadm stats dump` reads), and the anvil
// socket's `CONNECT-DUMP` (what `doveadm who` reads). Text in, values out;
// no I/O here.
//
// The dump carries no label names: a metric with `group_by = a b` is dumped
// as its root line followed, depth first, by sub-metric lines named
// `<parent>_<value>` (spaces in values become `_`):
//   imap_command\t3\t5249
//   imap_command_SELECT\t1\t4941
//   imap_command_SELECT_OK\t1\t4941
// so the group_by field names come from the caller (the same list as in
// dovecot.conf), and the depth-first order tells a sub-metric from a root.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/expected.h"

namespace mail::dovecot {

// The request written after the handshake; the parser expects these fields.
inline constexpr std::string_view kStatsHandshake = "VERSION\tstats-reader-client\t2\t0\n";
inline constexpr std::string_view kStatsDumpRequest = "DUMP\tcount\tsum\n";
inline constexpr std::string_view kAnvilRequest = "VERSION\tanvil\t1\t0\nCONNECT-DUMP\n";

// metric name -> its group_by field names, in dovecot.conf's order.
using GroupBy = std::map<std::string, std::vector<std::string>, std::less<>>;

// The group_by of the shipped dovecot-metrics.conf.
GroupBy defaultGroupBy();
// Parses "imap_command=cmd_name,tagged_reply_state" (the flag's form).
base::Expected<std::pair<std::string, std::vector<std::string>>> parseGroupBySpec(
    std::string_view spec);

struct Sample {
  // One label value per group_by field; empty for the root, or for the
  // remainder of a root (events that lacked a group_by field).
  std::vector<std::string> values;
  uint64_t count = 0;
  uint64_t sum_usecs = 0;  // the sum of durations, in microseconds
};

struct Metric {
  std::string name;                 // as in dovecot.conf: auth_success
  std::vector<std::string> labels;  // its group_by fields; empty without group_by
  // Without group_by: one sample, the root. With group_by: the leaves (every
  // label set), then, when the root counted more than its leaves, one sample
  // with all values "" holding the difference, so sum() over the family
  // equals the root as Dovecot counts it.
  std::vector<Sample> samples;
};

struct Dump {
  std::vector<Metric> metrics;
};

// `reply` is what the socket sent: the handshake line
// "VERSION\tstats-reader-server\t2\t<minor>\n", then one line per
// (sub-)metric, then an empty line. A missing handshake, a missing end line,
// a bad number or a short line is an error naming the line.
base::Expected<Dump> parseStatsDump(std::string_view reply, const GroupBy& group_by);

// True once `reply` holds a complete dump (handshake line, then the empty
// line that ends it), so the client can stop reading.
bool statsDumpComplete(std::string_view reply);

// A Prometheus metric name from a Dovecot metric name: dovecot_<name>, with
// any character outside [a-zA-Z0-9_] replaced by '_'.
std::string prometheusName(std::string_view dovecot_name);

// Dovecot's own OpenMetrics listener (`service stats { inet_listener http }`,
// GET /metrics). Each metric block is dovecot_<name>_total (events) and
// dovecot_<name>_duration_seconds_total (their summed duration), group_by
// fields as labels. A group_by block also lists every intermediate level
// ({cmd_name="SELECT"} beside {cmd_name="SELECT",tagged_reply_state="OK"})
// and its root as dovecot_<name>_count / dovecot_<name>_duration_seconds_sum.
// The page becomes the same Dump as the stats-reader's: the leaves, padded
// with "" where an event lacked a deeper field, plus the root's remainder.
// The page must end with "# EOF" (a truncated page is an error).
struct OpenMetricsPage {
  Dump dump;
  std::string version;  // dovecot_build_info's, when present
  std::string revision;
};
base::Expected<OpenMetricsPage> parseOpenMetrics(std::string_view page);

// Anvil: "<service>/<ip>/<user>\t<pid>\t<count>" lines, then an empty line.
// Returns connections summed by service (imap, pop3, ...).
base::Expected<std::map<std::string, uint64_t>> parseAnvilConnectDump(std::string_view reply);
bool anvilDumpComplete(std::string_view reply);

}  // namespace mail::dovecot
