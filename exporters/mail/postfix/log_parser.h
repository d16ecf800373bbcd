#pragma once
// Postfix's syslog lines, parsed without regular expressions (the log of a
// busy relay runs to millions of lines a day). Two pure steps:
//  1. parseSyslogLine: the envelope. Accepts RFC 3164 ("Nov 21 10:00:00 host
//     postfix/smtpd[123]: ..."), RFC 3339 timestamps as rsyslog writes them on
//     Debian bookworm ("2026-11-21T10:00:00.123456+00:00 host ..."), an
//     optional "<PRI>" and RFC 5424 version, and Mailcow's container lines
//     (the same, as the "log" field of Docker's json-file). The program tag
//     "postfix/smtpd", "postfix-in/smtpd" (multi-instance) and
//     "postfix/submission/smtpd" (master.cf syslog_name) all give service
//     "smtpd"; the level prefix (warning/error/fatal/panic) and a queue id
//     (short hex, or the long ids of enable_long_queue_ids) are split off.
//  2. classifyPostfix: what the message says, as an event postfix_exporter
//     counts (connect, reject with its code and our reason class, delivery
//     status with delays and DSN, TLS, ...), or Unsupported.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace mail::postfix {

struct SyslogLine {
  std::string_view program;   // the tag before "[pid]": "postfix/smtpd", "dovecot"
  std::string_view instance;  // the tag's first part: "postfix", "postfix-in"
  std::string_view service;   // the tag's last part after a '/': "smtpd"; "" when none
  std::string_view level;     // "warning", "error", "fatal", "panic"; "" for info
  std::string_view queue_id;  // "4B7C61A2B3", "4XyZ1234abcdzQ2", "NOQUEUE"; "" when none
  std::string_view message;   // after the level and queue id prefixes
  std::string_view text;      // after "tag[pid]: " (level and queue id included)
  bool is_postfix = false;    // instance is "postfix" or "postfix-<name>"
};

// The envelope of one line, or nullopt when it has no "tag[pid]: " (or
// "tag: ") part.
std::optional<SyslogLine> parseSyslogLine(std::string_view line);

// True for a Postfix queue id: short ids are upper-case hex (5+ digits);
// long ids (enable_long_queue_ids) are 10+ characters of [0-9A-Za-z] with a 'z'
// separating the time from the inode number.
bool isQueueId(std::string_view word);

// Rejects by reason class: our addition (postfix_smtpd_rejects_by_reason_total).
enum class RejectReason { rbl, unknown_user, relay_denied, greylisted, policy, other };
std::string_view reasonName(RejectReason reason);
RejectReason classifyReject(std::string_view reply_text);

enum class EventKind {
  unsupported,
  smtpd_connect,
  smtpd_disconnect,
  smtpd_lost_connection,  // stage
  smtpd_fcrdns_error,
  smtpd_processed,     // sasl_method ("" without SASL)
  smtpd_reject,        // code, reason; noqueue when "NOQUEUE: reject: RCPT"
  smtpd_sasl_failure,  // sasl_method
  smtpd_tls,           // tls
  delivery,            // delays, status, dsn, relay (smtp, lmtp, pipe, local, virtual)
  smtp_tls,            // tls
  smtp_connection_timed_out,
  qmgr_inserted,  // size, nrcpt
  qmgr_removed,
  qmgr_expired,
  cleanup_processed,
  cleanup_rejected,
  cleanup_milter_rejected,
  bounce_notification,
};

struct TlsInfo {
  std::string_view trust, protocol, cipher, secret_bits, algorithm_bits;
};

struct Event {
  EventKind kind = EventKind::unsupported;
  std::string_view stage;        // lost connection "after" stage
  std::string_view sasl_method;  // without the trailing comma
  std::string_view code;         // reject reply code, "554"
  bool noqueue_rcpt = false;     // "NOQUEUE: reject: RCPT": what postfix_exporter counts
  RejectReason reason = RejectReason::other;
  TlsInfo tls;
  // delivery
  std::string_view relay;
  std::string_view status;         // sent, deferred, bounced, expired, ...
  std::string_view dsn;            // 4.4.1
  std::array<double, 4> delays{};  // before qmgr, in qmgr, connection setup, transmission
  bool has_delays = false;
  // qmgr insert
  double size = 0;
  double nrcpt = 0;
};

// What a Postfix line (is_postfix) says; unsupported for anything else.
Event classifyPostfix(const SyslogLine& line);

}  // namespace mail::postfix
