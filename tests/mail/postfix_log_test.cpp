// Postfix's log: the syslog envelope, what each message says, the counters
// emitted from it, and the background source following a file. The lines are
// in Postfix 3.7's formats (Debian bookworm), with documentation addresses.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "mail/postfix/log_metrics.h"
#include "mail/postfix/log_parser.h"
#include "mail/postfix/log_source.h"
#include "runtime/text_format.h"
#include "support/temp_tree.h"

using namespace mail::postfix;

namespace {

const char* kPrefix = "Nov 21 10:00:00 mx ";

std::string render(const LogMetrics& metrics) {
  runtime::MetricSink sink;
  metrics.emit(sink);
  std::vector<runtime::MetricFamily> families;
  sink.drainInto(families);
  runtime::sortAndMerge(families);
  std::string text;
  runtime::writeTextFormat(families, text);
  return text;
}

// An Event's fields are views into its line: the lines are kept here so the
// events the checks read stay valid after the temporaries are gone.
Event classify(const std::string& text) {
  static std::deque<std::string> lines;
  const std::string& line = lines.emplace_back(text);
  auto parsed = parseSyslogLine(line);
  REQUIRE(parsed.has_value());
  return classifyPostfix(*parsed);
}

}  // namespace

TEST_CASE("postfix log: the syslog envelope in each format") {
  struct Case {
    const char* line;
    const char* program;
    const char* service;
    const char* level;
    const char* queue_id;
    const char* message;
    bool is_postfix;
  };
  const Case cases[] = {
      {"Nov 21 10:00:00 mx postfix/smtpd[1001]: connect from unknown[192.0.2.10]", "postfix/smtpd",
       "smtpd", "", "", "connect from unknown[192.0.2.10]", true},
      {"Nov  1 09:05:03 mx postfix/qmgr[900]: 4B7C61A2B3: removed", "postfix/qmgr", "qmgr", "",
       "4B7C61A2B3", "removed", true},
      // rsyslog's RSYSLOG_FileFormat on Debian bookworm.
      {"2026-11-21T10:00:00.123456+00:00 mx postfix/smtp[1002]: 4B7C61A2B3: to=<b@example.com>",
       "postfix/smtp", "smtp", "", "4B7C61A2B3", "to=<b@example.com>", true},
      // A priority prefix and RFC 5424's version field.
      {"<22>1 2026-11-21T10:00:00Z mx postfix/cleanup[7]: 4B7C61A2B3: message-id=<a@b>",
       "postfix/cleanup", "cleanup", "", "4B7C61A2B3", "message-id=<a@b>", true},
      // Multi-instance and master.cf's syslog_name.
      {"Nov 21 10:00:00 mx postfix-in/smtpd[1]: connect from x[192.0.2.1]", "postfix-in/smtpd",
       "smtpd", "", "", "connect from x[192.0.2.1]", true},
      {"Nov 21 10:00:00 mx postfix/submission/smtpd[1]: connect from x[192.0.2.1]",
       "postfix/submission/smtpd", "smtpd", "", "", "connect from x[192.0.2.1]", true},
      // enable_long_queue_ids: 6+4 characters of time, 'z', the inode number.
      {"Nov 21 10:00:00 mx postfix/qmgr[900]: 4Q7Hm55Y2Wz1X2: removed", "postfix/qmgr", "qmgr", "",
       "4Q7Hm55Y2Wz1X2", "removed", true},
      {"Nov 21 10:00:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 5.7.1",
       "postfix/smtpd", "smtpd", "", "NOQUEUE", "reject: RCPT from x[192.0.2.1]: 554 5.7.1", true},
      {"Nov 21 10:00:00 mx postfix/smtpd[1]: warning: unknown[192.0.2.1]: SASL LOGIN "
       "authentication failed: UGFzc3dvcmQ6",
       "postfix/smtpd", "smtpd", "warning", "",
       "unknown[192.0.2.1]: SASL LOGIN authentication failed: UGFzc3dvcmQ6", true},
      {"Nov 21 10:00:00 mx postfix/master[1]: fatal: bind 0.0.0.0 port 25: Address in use",
       "postfix/master", "master", "fatal", "", "bind 0.0.0.0 port 25: Address in use", true},
      // The word before ": " is not a queue id.
      {"Nov 21 10:00:00 mx postfix/anvil[5]: statistics: max connection rate 1/60s",
       "postfix/anvil", "anvil", "", "", "statistics: max connection rate 1/60s", true},
      // Other daemons.
      {"Nov 21 10:00:00 mx dovecot[77]: imap-login: Login: user=<alice@example.org>", "dovecot", "",
       "", "", "imap-login: Login: user=<alice@example.org>", false},
      {"2026-11-21T10:00:00+00:00 mx rspamd[80]: <4b7c61>; proxy; rspamd_task_write_log: id",
       "rspamd", "", "", "", "<4b7c61>; proxy; rspamd_task_write_log: id", false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.line);
    auto line = parseSyslogLine(c.line);
    REQUIRE(line.has_value());
    CHECK(line->program == c.program);
    CHECK(line->service == c.service);
    CHECK(line->level == c.level);
    CHECK(line->queue_id == c.queue_id);
    CHECK(line->message == c.message);
    CHECK(line->is_postfix == c.is_postfix);
  }
  for (const char* garbage : {"", "garbage", "Nov 21 10:00:00 mx kernel: [12.5] eth0 up",
                              "postfix/smtpd[abc]: x", "[123]: no tag"}) {
    CAPTURE(garbage);
    CHECK_FALSE(parseSyslogLine(garbage).has_value());
  }
}

TEST_CASE("postfix log: queue ids") {
  CHECK(isQueueId("4B7C61A2B3"));
  CHECK(isQueueId("3F2A1"));
  CHECK(isQueueId("4Q7Hm55Y2Wz1X2"));
  CHECK(isQueueId("4XyZ1234bczf"));
  CHECK_FALSE(isQueueId("4b7c61a2b3"));  // hex ids are upper case
  CHECK_FALSE(isQueueId("statistics"));  // no 'z' at the 11th place
  CHECK_FALSE(isQueueId("4Q7Hm55Y2W-1X2"));
  CHECK_FALSE(isQueueId("ABC"));
}

TEST_CASE("postfix log: reject reason classes") {
  struct Case {
    const char* text;
    RejectReason reason;
  };
  const Case cases[] = {
      {"5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org; "
       "from=<a@example.net> to=<b@example.org> proto=ESMTP helo=<x>",
       RejectReason::rbl},
      {"5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in virtual mailbox "
       "table; from=<a@example.net> to=<nobody@example.org> proto=ESMTP helo=<x>",
       RejectReason::unknown_user},
      {"5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in local recipient "
       "table; from=<a@example.net> to=<nobody@example.org> proto=ESMTP helo=<x>",
       RejectReason::unknown_user},
      {"5.7.1 <x@elsewhere.example>: Relay access denied; from=<a@example.net> "
       "to=<x@elsewhere.example> proto=ESMTP helo=<x>",
       RejectReason::relay_denied},
      {"4.2.0 <b@example.org>: Recipient address rejected: Greylisted, see "
       "http://postgrey.schweikert.ch/help/example.org.html; from=<a@example.net> "
       "to=<b@example.org> proto=ESMTP helo=<x>",
       RejectReason::greylisted},
      {"5.7.1 <b@example.org>: Recipient address rejected: Policy rejection; from=<a@example.net> "
       "to=<b@example.org> proto=ESMTP helo=<x>",
       RejectReason::policy},
      {"4.7.25 Client host rejected: cannot find your hostname, [192.0.2.10]; "
       "from=<a@example.net> to=<b@example.org> proto=ESMTP helo=<x>",
       RejectReason::other},
      // The envelope after the reply does not count: a sender named "policy".
      {"5.7.1 Client host rejected: Access denied; from=<policy@example.net> to=<b@example.org>",
       RejectReason::other},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    CHECK(reasonName(classifyReject(c.text)) == reasonName(c.reason));
  }
}

TEST_CASE("postfix log: what each message says") {
  std::string p = kPrefix;
  SUBCASE("smtpd") {
    CHECK(classify(p + "postfix/smtpd[1]: connect from unknown[192.0.2.10]").kind ==
          EventKind::smtpd_connect);
    CHECK(classify(p + "postfix/smtpd[1]: disconnect from unknown[192.0.2.10] ehlo=1 mail=1 "
                       "rcpt=0/1 quit=1 commands=3/4")
              .kind == EventKind::smtpd_disconnect);
    Event lost = classify(p +
                          "postfix/smtpd[1]: lost connection after AUTH from "
                          "unknown[192.0.2.10]");
    CHECK(lost.kind == EventKind::smtpd_lost_connection);
    CHECK(lost.stage == "AUTH");
    Event sasl = classify(p +
                          "postfix/smtpd[1]: 4B7C61A2B3: client=mail.example.net[198.51.100.7]"
                          ", sasl_method=PLAIN, sasl_username=alice@example.org");
    CHECK(sasl.kind == EventKind::smtpd_processed);
    CHECK(sasl.sasl_method == "PLAIN");  // not "PLAIN," (postfix_exporter 0.3's bug)
    Event plain = classify(p +
                           "postfix/smtpd[1]: 4Q7Hm55Y2Wz1X2: client=mail.example.net"
                           "[198.51.100.7]");
    CHECK(plain.kind == EventKind::smtpd_processed);
    CHECK(plain.sasl_method == "");
    Event reject =
        classify(p +
                 "postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[2001:db8::25]: 554 5.7.1 "
                 "<x@elsewhere.example>: Relay access denied; from=<a@example.net> "
                 "to=<x@elsewhere.example> proto=ESMTP helo=<x>");
    CHECK(reject.kind == EventKind::smtpd_reject);
    CHECK(reject.code == "554");
    CHECK(reject.noqueue_rcpt);
    CHECK(reject.reason == RejectReason::relay_denied);
    Event connect_reject =
        classify(p +
                 "postfix/smtpd[1]: NOQUEUE: reject: CONNECT from unknown[192.0.2.10]: 554 5.7.1 "
                 "<unknown[192.0.2.10]>: Client host rejected: Access denied; proto=SMTP");
    CHECK(connect_reject.kind == EventKind::smtpd_reject);
    CHECK_FALSE(connect_reject.noqueue_rcpt);
    Event failure = classify(p +
                             "postfix/smtpd[1]: warning: unknown[192.0.2.10]: SASL PLAIN "
                             "authentication failed: ");
    CHECK(failure.kind == EventKind::smtpd_sasl_failure);
    CHECK(failure.sasl_method == "PLAIN");
    Event tls = classify(p +
                         "postfix/smtpd[1]: Anonymous TLS connection established from "
                         "unknown[192.0.2.10]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 "
                         "(256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 "
                         "bits) server-digest SHA256");
    CHECK(tls.kind == EventKind::smtpd_tls);
    CHECK(tls.tls.trust == "Anonymous");
    CHECK(tls.tls.protocol == "TLSv1.3");
    CHECK(tls.tls.cipher == "TLS_AES_256_GCM_SHA384");
    CHECK(tls.tls.secret_bits == "256");
    CHECK(tls.tls.algorithm_bits == "256");
    CHECK(classify(p + "postfix/smtpd[1]: warning: hostname mail.example.net does not resolve "
                       "to address 198.51.100.7: Name or service not known")
              .kind == EventKind::smtpd_fcrdns_error);
    CHECK(classify(p + "postfix/smtpd[1]: NOQUEUE: reject_warning: RCPT from x[192.0.2.1]: 450")
              .kind == EventKind::unsupported);
    CHECK(classify(p + "postfix/smtpd[1]: warning: TLS library problem: error:0A000126").kind ==
          EventKind::unsupported);
  }
  SUBCASE("smtp, lmtp, pipe, virtual") {
    Event sent = classify(p +
                          "postfix/smtp[2]: 4B7C61A2B3: to=<bob@example.com>, "
                          "relay=mx.example.com[203.0.113.5]:25, delay=1.2, "
                          "delays=0.1/0.01/0.5/0.59, dsn=2.0.0, status=sent (250 2.0.0 OK)");
    CHECK(sent.kind == EventKind::delivery);
    CHECK(sent.status == "sent");
    CHECK(sent.dsn == "2.0.0");
    CHECK(sent.relay == "mx.example.com[203.0.113.5]:25");
    CHECK(sent.delays[0] == doctest::Approx(0.1));
    CHECK(sent.delays[3] == doctest::Approx(0.59));
    Event deferred =
        classify(p +
                 "postfix/smtp[2]: 4B7C61A2B3: to=<bob@example.com>, orig_to=<b@example.org>, "
                 "relay=none, delay=30, delays=0.02/0/30/0, dsn=4.4.1, status=deferred (connect to "
                 "mx.example.com[203.0.113.5]:25: Connection timed out)");
    CHECK(deferred.status == "deferred");
    CHECK(deferred.dsn == "4.4.1");
    CHECK(deferred.relay == "none");
    Event tls = classify(p +
                         "postfix/smtp[2]: Untrusted TLS connection established to "
                         "mx.example.com[203.0.113.5]:25: TLSv1.2 with cipher "
                         "ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)");
    CHECK(tls.kind == EventKind::smtp_tls);
    CHECK(tls.tls.trust == "Untrusted");
    CHECK(tls.tls.cipher == "ECDHE-RSA-AES256-GCM-SHA384");
    CHECK(classify(p + "postfix/smtp[2]: connect to mx.example.com[203.0.113.5]:25: Connection "
                       "timed out")
              .kind == EventKind::smtp_connection_timed_out);
    CHECK(classify(p + "postfix/smtp[2]: connect to mx.example.com[203.0.113.5]:25: Connection "
                       "refused")
              .kind == EventKind::unsupported);
    Event lmtp = classify(p +
                          "postfix/lmtp[3]: 4B7C61A2B3: to=<bob@example.org>, "
                          "relay=mail.example.org[private/dovecot-lmtp], delay=0.1, "
                          "delays=0.05/0/0.02/0.03, dsn=2.0.0, status=sent (250 2.0.0 Saved)");
    CHECK(lmtp.kind == EventKind::delivery);
    Event pipe = classify(p +
                          "postfix/pipe[4]: 4B7C61A2B3: to=<bob@example.org>, relay=dovecot, "
                          "delay=0.2, delays=0.1/0/0/0.1, dsn=2.0.0, status=sent (delivered "
                          "via dovecot service)");
    CHECK(pipe.kind == EventKind::delivery);
    CHECK(pipe.relay == "dovecot");
    CHECK(classify(p + "postfix/smtp[2]: 4B7C61A2B3: to=<bob@example.com>, relay=none, "
                       "delays=x/0/0/0, dsn=4.4.1, status=deferred (boom)")
              .kind == EventKind::unsupported);
  }
  SUBCASE("qmgr, cleanup, bounce") {
    Event insert = classify(p +
                            "postfix/qmgr[900]: 4B7C61A2B3: from=<alice@example.org>, "
                            "size=1234, nrcpt=2 (queue active)");
    CHECK(insert.kind == EventKind::qmgr_inserted);
    CHECK(insert.size == 1234);
    CHECK(insert.nrcpt == 2);
    CHECK(classify(p + "postfix/qmgr[900]: 4B7C61A2B3: removed").kind == EventKind::qmgr_removed);
    CHECK(classify(p + "postfix/qmgr[900]: 4B7C61A2B3: from=<alice@example.org>, "
                       "status=expired, returned to sender")
              .kind == EventKind::qmgr_expired);
    CHECK(classify(p + "postfix/cleanup[5]: 4B7C61A2B3: message-id=<20261121@example.org>").kind ==
          EventKind::cleanup_processed);
    CHECK(classify(p + "postfix/cleanup[5]: 4B7C61A2B3: reject: header Subject: spam from "
                       "x[192.0.2.1]; from=<a@example.net> to=<b@example.org>: 5.7.1 no")
              .kind == EventKind::cleanup_rejected);
    CHECK(classify(p + "postfix/cleanup[5]: 4B7C61A2B3: milter-reject: END-OF-MESSAGE from "
                       "x[192.0.2.1]: 5.7.1 Spam message rejected; from=<a@example.net> "
                       "to=<b@example.org> proto=ESMTP helo=<x>")
              .kind == EventKind::cleanup_milter_rejected);
    CHECK(classify(p + "postfix/bounce[6]: 4B7C61A2B3: sender non-delivery notification: "
                       "5D0E81A2B4")
              .kind == EventKind::bounce_notification);
    CHECK(
        classify(p + "postfix/bounce[6]: 4B7C61A2B3: sender delay notification: 5D0E81A2B4").kind ==
        EventKind::unsupported);
  }
}

TEST_CASE("postfix log: counters emitted in postfix_exporter's families") {
  LogMetrics metrics;
  const std::string p = kPrefix;
  const std::string lines[] = {
      p + "postfix/smtpd[1]: connect from unknown[192.0.2.10]",
      p + "postfix-in/smtpd[1]: connect from unknown[192.0.2.11]",
      "2026-11-21T10:00:00.123456+00:00 mx postfix/smtpd[1]: disconnect from unknown[192.0.2.10] "
      "ehlo=1 quit=1 commands=2",
      p + "postfix/smtpd[1]: lost connection after EHLO from unknown[192.0.2.10]",
      p + "postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[192.0.2.10]: 554 5.7.1 Service "
          "unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org; "
          "from=<a@example.net> to=<b@example.org> proto=ESMTP helo=<x>",
      p + "postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[198.51.100.7]: 550 5.1.1 "
          "<nobody@example.org>: Recipient address rejected: User unknown in virtual mailbox "
          "table; from=<a@example.net> to=<nobody@example.org> proto=ESMTP helo=<x>",
      p + "postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[198.51.100.7]: 554 5.7.1 "
          "<x@elsewhere.example>: Relay access denied; from=<a@example.net> "
          "to=<x@elsewhere.example> proto=ESMTP helo=<x>",
      p + "postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[198.51.100.7]: 450 4.2.0 "
          "<b@example.org>: Recipient address rejected: Greylisted, see http://postgrey/; "
          "from=<a@example.net> to=<b@example.org> proto=ESMTP helo=<x>",
      p + "postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[198.51.100.7]: 554 5.7.1 "
          "<b@example.org>: Recipient address rejected: Policy rejection; from=<a@example.net> "
          "to=<b@example.org> proto=ESMTP helo=<x>",
      p + "postfix/smtpd[1]: 4Q7Hm55Y2Wz1X2: client=mail.example.net[198.51.100.7], "
          "sasl_method=PLAIN, sasl_username=alice@example.org",
      p + "postfix/smtpd[1]: warning: unknown[192.0.2.10]: SASL LOGIN authentication failed: "
          "UGFzc3dvcmQ6",
      p + "postfix/smtpd[1]: Anonymous TLS connection established from unknown[192.0.2.10]: "
          "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 "
          "server-signature RSA-PSS (2048 bits) server-digest SHA256",
      p + "postfix/smtp[2]: Trusted TLS connection established to mx.example.com[203.0.113.5]:25: "
          "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 "
          "server-signature ECDSA (P-256) server-digest SHA256",
      p + "postfix/smtp[2]: 4Q7Hm55Y2Wz1X2: to=<bob@example.com>, "
          "relay=mx.example.com[203.0.113.5]:25, delay=1.2, delays=0.1/0.01/0.5/0.59, dsn=2.0.0, "
          "status=sent (250 2.0.0 OK)",
      p + "postfix/smtp[2]: 4B7C61A2B3: to=<bob@example.com>, relay=none, delay=30, "
          "delays=0.02/0/30/0, dsn=4.4.1, status=deferred (connect to "
          "mx.example.com[203.0.113.5]:25: Connection timed out)",
      p + "postfix/smtp[2]: 4B7C61A2B3: to=<nobody@example.com>, "
          "relay=mx.example.com[203.0.113.5]:25, delay=0.9, delays=0.1/0/0.3/0.5, dsn=5.1.1, "
          "status=bounced (host mx.example.com[203.0.113.5] said: 550 5.1.1 <nobody@example.com>: "
          "Recipient address rejected: User unknown (in reply to RCPT TO command))",
      p + "postfix/bounce[6]: 4B7C61A2B3: sender non-delivery notification: 5D0E81A2B4",
      p + "postfix/qmgr[900]: 4B7C61A2B3: from=<alice@example.org>, size=1234, nrcpt=2 (queue "
          "active)",
      p + "postfix/qmgr[900]: 4B7C61A2B3: removed",
      p + "postfix/cleanup[5]: 4B7C61A2B3: message-id=<20261121@example.org>",
      p + "postfix/lmtp[3]: 4B7C61A2B3: to=<bob@example.org>, "
          "relay=mail.example.org[private/dovecot-lmtp], delay=0.1, delays=0.05/0/0.02/0.03, "
          "dsn=2.0.0, status=sent (250 2.0.0 <bob@example.org> Saved)",
      p + "postfix/anvil[7]: statistics: max connection rate 1/60s for (smtp:192.0.2.10) at Nov "
          "21 10:00:00",
      p + "postfix/smtpd[1]: warning: TLS library problem: error:0A000126",
      p + "dovecot[77]: imap-login: Login: user=<alice@example.org>, method=PLAIN",
      p + "rspamd[80]: <4b7c61>; proxy; rspamd_task_write_log: id: <x@y>",
      "garbage",
  };
  for (const auto& line : lines) metrics.process(line);
  const std::string text = render(metrics);
  CAPTURE(text);
  const char* expected[] = {
      "postfix_smtpd_connects_total 2\n",
      "postfix_smtpd_disconnects_total 1\n",
      "postfix_smtpd_connections_lost_total{after_stage=\"EHLO\"} 1\n",
      "postfix_smtpd_messages_rejected_total{code=\"554\"} 3\n",
      "postfix_smtpd_messages_rejected_total{code=\"550\"} 1\n",
      "postfix_smtpd_messages_rejected_total{code=\"450\"} 1\n",
      "postfix_smtpd_rejects_by_reason_total{reason=\"rbl\"} 1\n",
      "postfix_smtpd_rejects_by_reason_total{reason=\"unknown_user\"} 1\n",
      "postfix_smtpd_rejects_by_reason_total{reason=\"relay_denied\"} 1\n",
      "postfix_smtpd_rejects_by_reason_total{reason=\"greylisted\"} 1\n",
      "postfix_smtpd_rejects_by_reason_total{reason=\"policy\"} 1\n",
      "postfix_smtpd_rejects_by_reason_total{reason=\"other\"} 0\n",
      "postfix_smtpd_messages_processed_total{sasl_method=\"PLAIN\"} 1\n",
      "postfix_smtpd_sasl_authentication_failures_total 1\n",
      "postfix_smtpd_tls_connections_total{trust=\"Anonymous\",protocol=\"TLSv1.3\","
      "cipher=\"TLS_AES_256_GCM_SHA384\",secret_bits=\"256\",algorithm_bits=\"256\"} 1\n",
      "postfix_smtp_tls_connections_total{trust=\"Trusted\",protocol=\"TLSv1.3\","
      "cipher=\"TLS_AES_256_GCM_SHA384\",secret_bits=\"256\",algorithm_bits=\"256\"} 1\n",
      "postfix_smtp_messages_processed_total{status=\"sent\"} 1\n",
      "postfix_smtp_messages_processed_total{status=\"deferred\"} 1\n",
      "postfix_smtp_messages_processed_total{status=\"bounced\"} 1\n",
      "postfix_smtp_deferred_messages_total 1\n",
      "postfix_smtp_status_deferred 1\n",
      "postfix_smtp_status_by_dsn_total{status=\"deferred\",dsn=\"4.4.1\"} 1\n",
      "postfix_smtp_status_by_dsn_total{status=\"bounced\",dsn=\"5.1.1\"} 1\n",
      "postfix_smtp_deferred_messages_by_dsn_total{dsn=\"4.4.1\"} 1\n",
      "postfix_smtp_bounced_messages_by_dsn_total{dsn=\"5.1.1\"} 1\n",
      "postfix_smtp_delivery_delay_seconds_bucket{stage=\"before_queue_manager\",le=\"0.1\"} 3\n",
      "postfix_smtp_delivery_delay_seconds_bucket{stage=\"connection_setup\",le=\"60\"} 3\n",
      "postfix_smtp_delivery_delay_seconds_bucket{stage=\"connection_setup\",le=\"10\"} 2\n",
      "postfix_smtp_delivery_delay_seconds_count{stage=\"transmission\"} 3\n",
      "postfix_lmtp_delivery_delay_seconds_sum{stage=\"before_queue_manager\"} 0.05\n",
      "postfix_bounce_non_delivery_notification_total 1\n",
      "postfix_qmgr_messages_inserted_receipients_bucket{le=\"2\"} 1\n",
      "postfix_qmgr_messages_inserted_receipients_bucket{le=\"1\"} 0\n",
      "postfix_qmgr_messages_inserted_recipients_count 1\n",
      "postfix_qmgr_messages_inserted_size_bytes_sum 1234\n",
      "postfix_qmgr_messages_removed_total 1\n",
      "postfix_cleanup_messages_processed_total 1\n",
      "postfix_cleanup_messages_rejected_total 0\n",
      "postfix_unsupported_log_entries_total{service=\"anvil\",level=\"\"} 1\n",
      "postfix_unsupported_log_entries_total{service=\"smtpd\",level=\"warning\"} 1\n",
      "postfix_unsupported_log_entries_total{service=\"\",level=\"\"} 3\n",
      "postfix_log_lines_total 26\n",
      "# TYPE postfix_smtp_delivery_delay_seconds histogram\n",
      "# HELP postfix_smtpd_messages_rejected_total Total number of NOQUEUE rejects.\n",
  };
  for (const char* sample : expected) {
    CAPTURE(sample);
    CHECK(text.find(sample) != std::string::npos);
  }
  // No empty stage label (postfix_exporter 0.3's bug), no trailing comma.
  CHECK(text.find("stage=\"\"") == std::string::npos);
  CHECK(text.find("PLAIN,") == std::string::npos);
  CHECK(metrics.lines() == 26);
}

TEST_CASE("postfix log: the source follows a file from its end, across rotations") {
  testsupport::TempTree tree;
  const std::string path = tree.path("mail.log");
  tree.write("mail.log", "Nov 21 09:00:00 mx postfix/smtpd[1]: connect from old[192.0.2.1]\n");
  mail::PostfixOptions options;
  options.logfile_path = path;
  LogSource source(options);
  source.setPollIntervalForTesting(20);
  source.start();
  int written = 0;  // every line differs, as a real log's do (the copy is found by its head)
  auto append = [&](const std::string& file, int connects) {
    std::ofstream out(file, std::ios::app);
    for (int i = 0; i < connects; ++i, ++written) {
      out << "Nov 21 10:00:" << 10 + written << " mx postfix/smtpd[" << 100 + written
          << "]: connect from x[192.0.2." << written << "]\n";
    }
  };
  auto waitFor = [&](std::uint64_t lines) {
    for (int i = 0; i < 250 && source.metrics().lines() < lines; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return source.metrics().lines();
  };
  for (int i = 0; i < 100 && !source.up(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(source.up());
  CHECK(source.lastError() == "");
  append(path, 3);
  CHECK(waitFor(3) == 3);  // the line present at start-up is not counted

  // logrotate's default: rename, then a new file at the path.
  std::filesystem::rename(path, path + ".1");
  append(path + ".1", 1);  // written by the old descriptor before the reopen
  append(path, 2);
  CHECK(waitFor(6) == 6);

  // copytruncate: copied away, then emptied in place.
  std::filesystem::copy_file(path, path + ".2");
  std::filesystem::resize_file(path, 0);
  append(path, 4);
  CHECK(waitFor(10) == 10);
  const std::string text = render(source.metrics());
  CHECK(text.find("postfix_smtpd_connects_total 10\n") != std::string::npos);
}

TEST_CASE("postfix log: an unreadable log is down with a clear error, and stops promptly") {
  testsupport::TempTree tree;
  mail::PostfixOptions options;
  options.logfile_path = tree.path("missing/mail.log");
  auto started = std::chrono::steady_clock::now();
  {
    LogSource source(options);
    source.setPollIntervalForTesting(20);
    source.start();
    for (int i = 0; i < 100 && source.lastError() == "not started"; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK_FALSE(source.up());
    CHECK(source.lastError().find("mail.log") != std::string::npos);
    // Created later: read from its start, since nothing in it is history.
    tree.write("missing/mail.log",
               "Nov 21 10:00:00 mx postfix/smtpd[1]: connect from x[192.0.2.1]\n"
               "Nov 21 10:00:01 mx postfix/smtpd[1]: disconnect from x[192.0.2.1]\n");
    for (int i = 0; i < 150 && source.metrics().lines() < 2; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(source.metrics().lines() == 2);
    CHECK(source.up());
    CHECK(source.lastError() == "");
  }
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(4));

  // Docker without a daemon: down, naming the socket's error.
  options.docker_enable = true;
  options.docker_container_id = "postfix-mailcow";
  options.docker_socket = tree.path("docker.sock");
  options.docker_root = tree.path("docker");
  LogSource docker(options);
  docker.start();
  for (int i = 0; i < 100 && docker.lastError() == "not started"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK_FALSE(docker.up());
  CHECK(docker.lastError().find("docker") != std::string::npos);
}

TEST_CASE("postfix log: a container's json-file log by its full id") {
  testsupport::TempTree tree;
  const std::string id(64, 'a');
  const std::string file = "docker/containers/" + id + "/" + id + "-json.log";
  tree.write(file, "");
  mail::PostfixOptions options;
  options.docker_enable = true;
  options.docker_container_id = id;
  options.docker_root = tree.path("docker");
  options.docker_socket = tree.path("no.sock");
  LogSource source(options);
  source.setPollIntervalForTesting(20);
  source.start();
  // Lines already there when the source opens the file are not counted: wait.
  for (int i = 0; i < 100 && !source.up(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  {
    std::ofstream out(tree.path(file), std::ios::app);
    out << R"({"log":"Nov 21 10:00:00 mail postfix/smtpd[1]: connect from x[192.0.2.1]\n",)"
        << R"("stream":"stdout","time":"2026-11-21T10:00:00.000000001Z"})"
        << "\n";
    out << R"({"log":"Nov 21 10:00:01 mail postfix/qmgr[2]: 4B7C61A2B3: removed\n",)"
        << R"("stream":"stdout","time":"2026-11-21T10:00:01.000000001Z"})"
        << "\n";
  }
  for (int i = 0; i < 250 && source.metrics().lines() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(source.up());
  const std::string text = render(source.metrics());
  CAPTURE(text);
  CHECK(text.find("postfix_smtpd_connects_total 1\n") != std::string::npos);
  CHECK(text.find("postfix_qmgr_messages_removed_total 1\n") != std::string::npos);
}
