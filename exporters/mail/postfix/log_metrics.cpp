#include "mail/postfix/log_metrics.h"

#include "mail/postfix/log_parser.h"
#include "mail/postfix/queue.h"  // kSizeBuckets: postfix_exporter's one set of size buckets

namespace mail::postfix {
namespace {

using std::string_view;

// postfix_exporter's buckets.
constexpr std::array<double, 9> kTimeBuckets = {1e-3, 1e-2, 1e-1, 1.0, 10, 60, 3600, 86400, 172800};
constexpr std::array<double, 8> kRecipientBuckets = {1, 2, 4, 8, 16, 32, 64, 128};
constexpr std::array<string_view, 4> kStages = {"before_queue_manager", "queue_manager",
                                                "connection_setup", "transmission"};
constexpr char kSeparator = '\x1f';

// Splits a joined key back into label values.
std::vector<std::string> split(const std::string& key) {
  std::vector<std::string> values;
  std::size_t start = 0;
  while (true) {
    std::size_t end = key.find(kSeparator, start);
    values.emplace_back(key.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return values;
}

void emitLabeled(runtime::MetricSink& sink, const char* name, const char* help,
                 std::initializer_list<const char*> names,
                 const std::map<std::string, std::uint64_t, std::less<>>& series) {
  auto& family = sink.counter(name, help);
  for (const auto& [key, value] : series) {
    std::vector<std::string> values = split(key);
    runtime::Labels labels;
    std::size_t i = 0;
    for (const char* label : names) {
      labels.push_back({label, i < values.size() ? values[i] : std::string()});
      ++i;
    }
    runtime::addSample(family, static_cast<double>(value), std::move(labels));
  }
}

void observeStages(std::array<LogMetrics::Histogram, 4>& stages, const Event& event) {
  for (std::size_t i = 0; i < 4; ++i) stages[i].observe(kTimeBuckets, event.delays[i]);
}

void emitStages(runtime::MetricFamily& family, const std::array<LogMetrics::Histogram, 4>& stages,
                runtime::Labels base = {}) {
  if (stages[0].count == 0) return;
  for (std::size_t i = 0; i < 4; ++i) {
    runtime::Labels labels = base;
    labels.push_back({"stage", std::string(kStages[i])});
    runtime::addHistogram(family, kTimeBuckets, stages[i], std::move(labels));
  }
}

}  // namespace

LogMetrics::LogMetrics() {
  // Fixed label sets start at 0, so a dashboard's rate() has a series from the
  // first scrape on.
  for (auto reason : {RejectReason::rbl, RejectReason::unknown_user, RejectReason::relay_denied,
                      RejectReason::greylisted, RejectReason::policy, RejectReason::other}) {
    smtpd_reasons_.emplace(std::string(reasonName(reason)), 0);
  }
  for (const char* status : {"sent", "deferred", "bounced"}) smtp_processed_.emplace(status, 0);
}

void LogMetrics::count(Labeled& family, std::initializer_list<string_view> values) {
  key_.clear();
  bool first = true;
  for (string_view value : values) {
    if (!first) key_.push_back(kSeparator);
    first = false;
    key_.append(value);
  }
  auto it = family.find(string_view(key_));
  if (it == family.end()) it = family.emplace(key_, 0).first;
  ++it->second;
}

std::uint64_t LogMetrics::lines() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

void LogMetrics::process(string_view text) {
  std::optional<SyslogLine> line = parseSyslogLine(text);
  std::lock_guard lock(mutex_);
  ++lines_;
  if (!line) {
    count(unsupported_, {"", ""});
    return;
  }
  if (!line->is_postfix) {
    // opendkim, as postfix_exporter counts it: "QID: DKIM-Signature field added (s=.., d=..)".
    string_view m = line->message;
    if (line->program == "opendkim" && !line->queue_id.empty() &&
        m.starts_with("DKIM-Signature field added (s=") && m.ends_with(")")) {
      m.remove_prefix(30);
      m.remove_suffix(1);
      std::size_t comma = m.find(", d=");
      if (comma != string_view::npos) {
        count(opendkim_signed_, {m.substr(0, comma), m.substr(comma + 4)});
        return;
      }
    }
    // Other programs (dovecot, rspamd, ...) and garbage: postfix_exporter's
    // empty service label, so no program name becomes a series.
    count(unsupported_, {line->program == "opendkim" ? "opendkim" : "", line->level});
    return;
  }
  const Event event = classifyPostfix(*line);
  switch (event.kind) {
    case EventKind::unsupported:
      count(unsupported_, {line->service, line->level});
      break;
    case EventKind::smtpd_connect:
      ++smtpd_connects_;
      break;
    case EventKind::smtpd_disconnect:
      ++smtpd_disconnects_;
      break;
    case EventKind::smtpd_lost_connection:
      count(smtpd_lost_, {event.stage});
      break;
    case EventKind::smtpd_fcrdns_error:
      ++smtpd_fcrdns_errors_;
      break;
    case EventKind::smtpd_processed:
      count(smtpd_processed_, {event.sasl_method});
      break;
    case EventKind::smtpd_reject:
      if (event.noqueue_rcpt) count(smtpd_rejected_, {event.code});
      count(smtpd_reasons_, {reasonName(event.reason)});
      break;
    case EventKind::smtpd_sasl_failure:
      ++smtpd_sasl_failures_;
      break;
    case EventKind::smtpd_tls:
    case EventKind::smtp_tls:
      count(event.kind == EventKind::smtpd_tls ? smtpd_tls_ : smtp_tls_,
            {event.tls.trust, event.tls.protocol, event.tls.cipher, event.tls.secret_bits,
             event.tls.algorithm_bits});
      break;
    case EventKind::smtp_connection_timed_out:
      ++smtp_connection_timed_out_;
      break;
    case EventKind::delivery:
      if (line->service == "smtp") {
        observeStages(smtp_delays_, event);
        if (!event.status.empty()) count(smtp_processed_, {event.status});
        if (event.status == "deferred") {
          ++smtp_deferred_;
          if (!event.dsn.empty()) count(smtp_deferred_dsn_, {event.dsn});
        } else if (event.status == "bounced" && !event.dsn.empty()) {
          count(smtp_bounced_dsn_, {event.dsn});
        }
        if ((event.status == "deferred" || event.status == "bounced") && !event.dsn.empty()) {
          count(smtp_status_dsn_, {event.status, event.dsn});
        }
      } else if (line->service == "lmtp") {
        observeStages(lmtp_delays_, event);
      } else if (line->service == "pipe") {
        auto it = pipe_delays_.find(event.relay);
        if (it == pipe_delays_.end())
          it = pipe_delays_.emplace(std::string(event.relay), Stages{}).first;
        observeStages(it->second, event);
      } else if (line->service == "virtual" && event.status == "sent") {
        ++virtual_delivered_;
      } else {
        count(unsupported_, {line->service, line->level});
      }
      break;
    case EventKind::qmgr_inserted:
      qmgr_nrcpt_.observe(kRecipientBuckets, event.nrcpt);
      qmgr_size_.observe(kSizeBuckets, event.size);
      break;
    case EventKind::qmgr_removed:
      ++qmgr_removed_;
      break;
    case EventKind::qmgr_expired:
      ++qmgr_expired_;
      break;
    case EventKind::cleanup_processed:
      ++cleanup_processed_;
      break;
    case EventKind::cleanup_rejected:
      ++cleanup_rejected_;
      break;
    case EventKind::cleanup_milter_rejected:
      ++cleanup_not_accepted_;
      break;
    case EventKind::bounce_notification:
      ++bounce_non_delivery_;
      break;
  }
}

void LogMetrics::emit(runtime::MetricSink& sink) const {
  std::lock_guard lock(mutex_);
  auto counter = [&](const char* name, const char* help, std::uint64_t value) {
    sink.counter(name, help, static_cast<double>(value));
  };
  // postfix_exporter 0.3 (Debian bookworm's), same names, help and labels.
  counter("postfix_cleanup_messages_processed_total",
          "Total number of messages processed by cleanup.", cleanup_processed_);
  counter("postfix_cleanup_messages_rejected_total",
          "Total number of messages rejected by cleanup.", cleanup_rejected_);
  counter("postfix_cleanup_messages_not_accepted_total",
          "Total number of messages not accepted by cleanup.", cleanup_not_accepted_);
  emitStages(sink.histogram("postfix_lmtp_delivery_delay_seconds",
                            "LMTP message processing time in seconds."),
             lmtp_delays_);
  auto& pipe = sink.histogram("postfix_pipe_delivery_delay_seconds",
                              "Pipe message processing time in seconds.");
  for (const auto& [relay, stages] : pipe_delays_) emitStages(pipe, stages, {{"relay", relay}});
  runtime::addHistogram(
      sink.histogram("postfix_qmgr_messages_inserted_receipients",
                     "Number of receipients per message inserted into the mail queues."),
      kRecipientBuckets, qmgr_nrcpt_);
  runtime::addHistogram(sink.histogram("postfix_qmgr_messages_inserted_size_bytes",
                                       "Size of messages inserted into the mail queues in bytes."),
                        kSizeBuckets, qmgr_size_);
  counter("postfix_qmgr_messages_removed_total",
          "Total number of messages removed from mail queues.", qmgr_removed_);
  counter("postfix_smtp_connection_timed_out_total",
          "Total number of messages that have been deferred on SMTP.", smtp_connection_timed_out_);
  counter("postfix_smtp_deferred_messages_total",
          "Total number of messages that have been deferred on SMTP.", smtp_deferred_);
  emitStages(sink.histogram("postfix_smtp_delivery_delay_seconds",
                            "SMTP message processing time in seconds."),
             smtp_delays_);
  counter("postfix_smtp_status_deferred", "Total number of messages deferred.", smtp_deferred_);
  static const std::initializer_list<const char*> kTlsLabels = {"trust", "protocol", "cipher",
                                                                "secret_bits", "algorithm_bits"};
  emitLabeled(sink, "postfix_smtp_tls_connections_total",
              "Total number of outgoing TLS connections.", kTlsLabels, smtp_tls_);
  emitLabeled(sink, "postfix_smtpd_connections_lost_total", "Total number of connections lost.",
              {"after_stage"}, smtpd_lost_);
  counter("postfix_smtpd_connects_total", "Total number of incoming connections.", smtpd_connects_);
  counter("postfix_smtpd_disconnects_total", "Total number of incoming disconnections.",
          smtpd_disconnects_);
  counter("postfix_smtpd_forward_confirmed_reverse_dns_errors_total",
          "Total number of connections for which forward-confirmed DNS cannot be resolved.",
          smtpd_fcrdns_errors_);
  emitLabeled(sink, "postfix_smtpd_messages_processed_total", "Total number of messages processed.",
              {"sasl_method"}, smtpd_processed_);
  emitLabeled(sink, "postfix_smtpd_messages_rejected_total", "Total number of NOQUEUE rejects.",
              {"code"}, smtpd_rejected_);
  counter("postfix_smtpd_sasl_authentication_failures_total",
          "Total number of SASL authentication failures.", smtpd_sasl_failures_);
  emitLabeled(sink, "postfix_smtpd_tls_connections_total",
              "Total number of incoming TLS connections.", kTlsLabels, smtpd_tls_);
  emitLabeled(sink, "postfix_unsupported_log_entries_total",
              "Log entries that could not be processed.", {"service", "level"}, unsupported_);
  emitLabeled(sink, "opendkim_signatures_added_total", "Total number of messages signed.",
              {"subject", "domain"}, opendkim_signed_);

  // Later postfix_exporter releases (Hsn723/postfix_exporter), same names.
  runtime::addHistogram(
      sink.histogram("postfix_qmgr_messages_inserted_recipients",
                     "Number of recipients per message inserted into the mail queues."),
      kRecipientBuckets, qmgr_nrcpt_);
  counter("postfix_qmgr_messages_expired_total",
          "Total number of messages expired from mail queues.", qmgr_expired_);
  emitLabeled(sink, "postfix_smtp_messages_processed_total",
              "Total number of messages that have been processed by the smtp process.", {"status"},
              smtp_processed_);
  emitLabeled(sink, "postfix_smtp_deferred_messages_by_dsn_total",
              "Total number of messages that have been deferred on SMTP by DSN.", {"dsn"},
              smtp_deferred_dsn_);
  emitLabeled(sink, "postfix_smtp_bounced_messages_by_dsn_total",
              "Total number of messages that have been bounced on SMTP by DSN.", {"dsn"},
              smtp_bounced_dsn_);
  counter("postfix_bounce_non_delivery_notification_total",
          "Total number of non delivery notification sent by bounce.", bounce_non_delivery_);
  counter("postfix_virtual_delivered_total", "Total number of mail delivered to a virtual mailbox.",
          virtual_delivered_);

  // tern's additions.
  emitLabeled(sink, "postfix_smtpd_rejects_by_reason_total",
              "Total number of smtpd rejects (any command, NOQUEUE or not) by reason class: rbl, "
              "unknown_user, relay_denied, greylisted, policy, other.",
              {"reason"}, smtpd_reasons_);
  emitLabeled(sink, "postfix_smtp_status_by_dsn_total",
              "Total number of messages deferred or bounced by the smtp client, by status and "
              "enhanced status code (DSN).",
              {"status", "dsn"}, smtp_status_dsn_);
  counter("postfix_log_lines_total", "Total number of log lines read.", lines_);
}

}  // namespace mail::postfix
