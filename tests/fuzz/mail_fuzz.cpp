// libFuzzer target for tern-mail's parsers of what Postfix, Dovecot and
// Mailcow send: syslog lines and their classification, showq's listing
// (whole and streamed in pieces), postqueue's JSON, Dovecot's stats dump,
// OpenMetrics page and anvil dump, and the Mailcow API's JSON answers. No
// input may crash them or read out of bounds.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mail/dovecot/stats.h"
#include "mail/mailcow/api.h"
#include "mail/postfix/log_parser.h"
#include "mail/postfix/queue.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::string_view rest = text;
  while (!rest.empty()) {
    const auto newline = rest.find('\n');
    const std::string line(rest.substr(0, newline));
    if (auto parsed = mail::postfix::parseSyslogLine(line))
      (void)mail::postfix::classifyPostfix(*parsed);
    if (newline == std::string_view::npos) break;
    rest.remove_prefix(newline + 1);
  }
  (void)mail::postfix::parseShowq(text);
  mail::postfix::ShowqStream stream([](const mail::postfix::QueuedMessage&) {});
  for (std::size_t i = 0; i < text.size(); i += 7) {
    const std::string piece = text.substr(i, 7);
    if (!stream.feed(piece)) break;
  }
  (void)mail::postfix::parsePostqueueJson(text);
  (void)mail::dovecot::parseStatsDump(text, mail::dovecot::defaultGroupBy());
  (void)mail::dovecot::statsDumpComplete(text);
  (void)mail::dovecot::parseOpenMetrics(text);
  (void)mail::dovecot::parseAnvilConnectDump(text);
  (void)mail::mailcow::parseMailq(text);
  (void)mail::mailcow::parseMailboxes(text);
  (void)mail::mailcow::parseDomains(text);
  (void)mail::mailcow::parseQuarantine(text);
  (void)mail::mailcow::parseRspamdActions(text);
  return 0;
}
