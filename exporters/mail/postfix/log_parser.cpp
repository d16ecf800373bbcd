#include "mail/postfix/log_parser.h"

#include <charconv>
#include <cstring>

namespace mail::postfix {
namespace {

using std::string_view;

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isUpperHex(char c) { return isDigit(c) || (c >= 'A' && c <= 'F'); }
bool isAlnum(char c) { return isDigit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool allDigits(string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!isDigit(c)) return false;
  return true;
}

// Consumes `prefix` from the front of `s`.
bool eat(string_view& s, string_view prefix) {
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  return true;
}

// The next space-separated word of `s`, consumed with the space after it.
string_view word(string_view& s) {
  std::size_t end = s.find(' ');
  string_view w = s.substr(0, end);
  s.remove_prefix(end == string_view::npos ? s.size() : end + 1);
  return w;
}

// Up to the first of `stops` (or the end), without consuming anything.
string_view until(string_view s, string_view stops) { return s.substr(0, s.find_first_of(stops)); }

// ASCII case-insensitive search of a lower-case needle.
bool containsNoCase(string_view haystack, string_view lower_needle) {
  if (lower_needle.size() > haystack.size()) return false;
  for (std::size_t i = 0; i + lower_needle.size() <= haystack.size(); ++i) {
    std::size_t j = 0;
    for (; j < lower_needle.size(); ++j) {
      char c = haystack[i + j];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != lower_needle[j]) break;
    }
    if (j == lower_needle.size()) return true;
  }
  return false;
}

std::optional<double> number(string_view s) {
  double value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// The value of ", key=" in a delivery line, up to the next ',' or ' '.
string_view field(string_view s, string_view key_with_comma) {
  std::size_t at = s.find(key_with_comma);
  if (at == string_view::npos) return {};
  return until(s.substr(at + key_with_comma.size()), ", ");
}

// "host[addr]: rest" or "host[addr]:port: rest" (addr may hold ':' in IPv6):
// consumes the peer token and returns true when it ends with ':'.
bool peer(string_view& s) {
  string_view token = word(s);
  return token.size() > 1 && token.back() == ':' && token.find('[') != string_view::npos;
}

// "<trust> TLS connection established (from|to) <peer>: <protocol> with cipher
// <cipher> (<secret>/<algorithm> bits)...".
bool parseTls(string_view s, string_view direction, TlsInfo& tls) {
  tls.trust = word(s);
  if (tls.trust.empty() || !eat(s, "TLS connection established ") || !eat(s, direction) ||
      !peer(s)) {
    return false;
  }
  tls.protocol = word(s);
  if (tls.protocol.empty() || !eat(s, "with cipher ")) return false;
  tls.cipher = word(s);
  if (tls.cipher.empty() || !eat(s, "(")) return false;
  tls.secret_bits = until(s, "/");
  s.remove_prefix(tls.secret_bits.size());
  if (!eat(s, "/")) return false;
  tls.algorithm_bits = until(s, " ");
  s.remove_prefix(tls.algorithm_bits.size());
  return allDigits(tls.secret_bits) && allDigits(tls.algorithm_bits) && s.starts_with(" bits)");
}

// "to=<...>, relay=..., delay=..., delays=a/b/c/d, dsn=x.y.z, status=word (...)".
bool parseDelivery(string_view s, Event& event) {
  if (!s.starts_with("to=<")) return false;
  event.relay = field(s, ", relay=");
  string_view delays = field(s, ", delays=");
  if (event.relay.empty() || delays.empty()) return false;
  for (std::size_t i = 0; i < 4; ++i) {
    string_view part = until(delays, "/");
    auto value = number(part);
    if (!value) return false;
    event.delays[i] = *value;
    delays.remove_prefix(part.size());
    if (i < 3 && !eat(delays, "/")) return false;
  }
  if (!delays.empty()) return false;
  event.has_delays = true;
  event.dsn = field(s, ", dsn=");
  event.status = field(s, ", status=");
  event.kind = EventKind::delivery;
  return true;
}

void classifySmtpd(const SyslogLine& line, Event& event) {
  string_view m = line.message;
  if (line.level.empty() && line.queue_id.empty()) {
    if (m.starts_with("connect from ")) {
      event.kind = EventKind::smtpd_connect;
      return;
    }
    if (m.starts_with("disconnect from ")) {
      event.kind = EventKind::smtpd_disconnect;
      return;
    }
  }
  if (line.level == "warning") {
    string_view rest = m;
    if (eat(rest, "hostname ") && rest.find(" does not resolve to address ") != string_view::npos) {
      event.kind = EventKind::smtpd_fcrdns_error;
      return;
    }
    // "unknown[192.0.2.1]: SASL LOGIN authentication failed: ..."
    rest = m;
    if (peer(rest) && eat(rest, "SASL ")) {
      string_view method = word(rest);
      if (!method.empty() && rest.starts_with("authentication failed")) {
        event.kind = EventKind::smtpd_sasl_failure;
        event.sasl_method = method;
        return;
      }
    }
    return;
  }
  if (!line.level.empty()) return;
  string_view rest = m;
  if (eat(rest, "lost connection after ")) {
    event.stage = word(rest);
    if (!event.stage.empty() && rest.starts_with("from "))
      event.kind = EventKind::smtpd_lost_connection;
    return;
  }
  if (!line.queue_id.empty() && m.starts_with("client=")) {
    event.kind = EventKind::smtpd_processed;
    std::size_t at = m.find(", sasl_method=");
    if (at != string_view::npos) event.sasl_method = until(m.substr(at + 14), ", ");
    return;
  }
  if (eat(rest, "reject: ")) {
    // "RCPT from host[addr]: 554 5.7.1 <rcpt>: Relay access denied; from=<...> ..."
    string_view command = word(rest);
    if (!eat(rest, "from ") || !peer(rest)) return;
    string_view code = word(rest);
    if (code.size() != 3 || !allDigits(code)) return;
    event.kind = EventKind::smtpd_reject;
    event.code = code;
    event.noqueue_rcpt = line.queue_id == "NOQUEUE" && command == "RCPT";
    event.reason = classifyReject(rest);
    return;
  }
  if (parseTls(m, "from ", event.tls)) event.kind = EventKind::smtpd_tls;
}

void classifySmtp(const SyslogLine& line, Event& event) {
  if (!line.level.empty()) return;
  string_view m = line.message;
  if (!line.queue_id.empty() && parseDelivery(m, event)) return;
  if (parseTls(m, "to ", event.tls)) {
    event.kind = EventKind::smtp_tls;
    return;
  }
  string_view rest = m;
  if (eat(rest, "connect to ") && peer(rest) && rest == "Connection timed out") {
    event.kind = EventKind::smtp_connection_timed_out;
  }
}

void classifyQmgr(const SyslogLine& line, Event& event) {
  if (!line.level.empty() || line.queue_id.empty()) return;
  string_view m = line.message;
  if (m == "removed") {
    event.kind = EventKind::qmgr_removed;
    return;
  }
  if (!m.starts_with("from=<")) return;
  std::size_t at = m.find(", size=");
  if (at != string_view::npos) {
    string_view rest = m.substr(at + 7);
    string_view size = until(rest, ",");
    rest.remove_prefix(size.size());
    if (!eat(rest, ", nrcpt=")) return;
    string_view nrcpt = until(rest, " ");
    rest.remove_prefix(nrcpt.size());
    auto size_value = number(size);
    auto nrcpt_value = number(nrcpt);
    if (!allDigits(size) || !allDigits(nrcpt) || !size_value || !nrcpt_value ||
        !rest.starts_with(" ")) {
      return;
    }
    event.kind = EventKind::qmgr_inserted;
    event.size = *size_value;
    event.nrcpt = *nrcpt_value;
    return;
  }
  if (m.find(", status=expired, returned to sender") != string_view::npos ||
      m.find(", status=force-expired, returned to sender") != string_view::npos) {
    event.kind = EventKind::qmgr_expired;
  }
}

void classifyCleanup(const SyslogLine& line, Event& event) {
  if (line.queue_id.empty()) return;
  string_view m = line.message;
  if (line.level.empty() && m.starts_with("message-id=")) {
    event.kind = EventKind::cleanup_processed;
  } else if (m.starts_with("reject: ")) {
    event.kind = EventKind::cleanup_rejected;
  } else if (m.starts_with("milter-reject: ")) {
    event.kind = EventKind::cleanup_milter_rejected;
  }
}

}  // namespace

bool isQueueId(string_view w) {
  if (w.size() < 5) return false;
  bool hex = true;
  for (char c : w) hex = hex && isUpperHex(c);
  if (hex) return true;
  // Long ids: 6 characters of seconds and 4 of microseconds (base 52), 'z',
  // then the inode number (base 51, which leaves out 'z').
  if (w.size() < 12 || w[10] != 'z') return false;
  for (char c : w)
    if (!isAlnum(c)) return false;
  return true;
}

std::optional<SyslogLine> parseSyslogLine(string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  // The tag is the first "name[digits]: " (or "name[digits]:" at the end).
  std::size_t bracket = 0;
  std::size_t text_at = string_view::npos;
  while ((bracket = line.find('[', bracket)) != string_view::npos) {
    std::size_t i = bracket + 1;
    while (i < line.size() && isDigit(line[i])) ++i;
    if (i > bracket + 1 && i + 1 < line.size() + 1 && line.substr(i).starts_with("]:") &&
        (i + 2 == line.size() || line[i + 2] == ' ')) {
      text_at = std::min(i + 3, line.size());
      break;
    }
    ++bracket;
  }
  if (text_at == string_view::npos) return std::nullopt;
  std::size_t tag_start = line.rfind(' ', bracket);
  tag_start = tag_start == string_view::npos ? 0 : tag_start + 1;
  if (tag_start >= bracket) return std::nullopt;

  SyslogLine out;
  out.program = line.substr(tag_start, bracket - tag_start);
  std::size_t slash = out.program.find('/');
  out.instance = out.program.substr(0, slash);
  if (slash != string_view::npos) out.service = out.program.substr(out.program.rfind('/') + 1);
  out.is_postfix = out.instance == "postfix" || out.instance.starts_with("postfix-");
  out.text = line.substr(text_at);

  string_view m = out.text;
  for (string_view level : {"warning", "error", "fatal", "panic"}) {
    if (m.starts_with(level) && m.substr(level.size()).starts_with(": ")) {
      out.level = level;
      m.remove_prefix(level.size() + 2);
      break;
    }
  }
  std::size_t colon = m.find(':');
  if (colon != string_view::npos && (colon + 1 == m.size() || m[colon + 1] == ' ')) {
    string_view id = m.substr(0, colon);
    if (id == "NOQUEUE" || isQueueId(id)) {
      out.queue_id = id;
      m.remove_prefix(std::min(colon + 2, m.size()));
    }
  }
  out.message = m;
  return out;
}

string_view reasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::rbl:
      return "rbl";
    case RejectReason::unknown_user:
      return "unknown_user";
    case RejectReason::relay_denied:
      return "relay_denied";
    case RejectReason::greylisted:
      return "greylisted";
    case RejectReason::policy:
      return "policy";
    case RejectReason::other:
      break;
  }
  return "other";
}

RejectReason classifyReject(string_view text) {
  // Only the reply, not the envelope that follows it ("; from=<...> to=<...>").
  std::size_t envelope = text.find("; from=<");
  if (envelope != string_view::npos) text = text.substr(0, envelope);
  // reject_rbl_client / reject_rhsbl_*: "... blocked using zen.spamhaus.org".
  if (text.find(" blocked using ") != string_view::npos) return RejectReason::rbl;
  if (text.find("Relay access denied") != string_view::npos) return RejectReason::relay_denied;
  // "User unknown in virtual mailbox table", "... in local recipient table", ...
  if (containsNoCase(text, "user unknown") || containsNoCase(text, "unknown user")) {
    return RejectReason::unknown_user;
  }
  if (containsNoCase(text, "greylist")) return RejectReason::greylisted;
  if (containsNoCase(text, "policy")) return RejectReason::policy;
  return RejectReason::other;
}

Event classifyPostfix(const SyslogLine& line) {
  Event event;
  if (!line.is_postfix) return event;
  const string_view service = line.service;
  if (service == "smtpd") {
    classifySmtpd(line, event);
  } else if (service == "smtp") {
    classifySmtp(line, event);
  } else if (service == "lmtp" || service == "pipe" || service == "virtual") {
    if (line.level.empty() && !line.queue_id.empty()) parseDelivery(line.message, event);
  } else if (service == "qmgr") {
    classifyQmgr(line, event);
  } else if (service == "cleanup") {
    classifyCleanup(line, event);
  } else if (service == "bounce") {
    if (line.level.empty() && !line.queue_id.empty() &&
        line.message.starts_with("sender non-delivery notification: ")) {
      event.kind = EventKind::bounce_notification;
    }
  }
  return event;
}

}  // namespace mail::postfix
