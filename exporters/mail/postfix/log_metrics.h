#pragma once
// postfix_exporter's log-derived counters (same names, help texts, labels and
// types), fed one syslog line at a time and emitted on each scrape. Counters
// outlive scrapes; a mutex guards them (process() runs on the log thread,
// emit() on a scrape thread).

#include <array>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/metrics.h"

namespace mail::postfix {

class LogMetrics {
 public:
  LogMetrics();
  // Counts one line (any program; lines that are not understood are counted
  // in postfix_unsupported_log_entries_total). Thread-safe.
  void process(std::string_view line);
  // Writes every family (fresh each scrape). Thread-safe.
  void emit(runtime::MetricSink& sink) const;

  // Lines seen in total (tests, the log source's own bookkeeping).
  std::uint64_t lines() const;

  using Histogram = runtime::Histogram;

 private:
  // Label values joined by '\x1f', so a lookup needs no allocation.
  using Labeled = std::map<std::string, std::uint64_t, std::less<>>;
  using Stages = std::array<Histogram, 4>;  // before qmgr, qmgr, connection setup, transmission

  void count(Labeled& family, std::initializer_list<std::string_view> values);

  mutable std::mutex mutex_;
  std::string key_;  // scratch for count()
  std::uint64_t lines_ = 0;
  std::uint64_t smtpd_connects_ = 0, smtpd_disconnects_ = 0, smtpd_fcrdns_errors_ = 0;
  std::uint64_t smtpd_sasl_failures_ = 0;
  std::uint64_t smtp_deferred_ = 0, smtp_connection_timed_out_ = 0;
  std::uint64_t qmgr_removed_ = 0, qmgr_expired_ = 0;
  std::uint64_t cleanup_processed_ = 0, cleanup_rejected_ = 0, cleanup_not_accepted_ = 0;
  std::uint64_t bounce_non_delivery_ = 0, virtual_delivered_ = 0;
  Labeled smtpd_lost_;         // after_stage
  Labeled smtpd_processed_;    // sasl_method
  Labeled smtpd_rejected_;     // code
  Labeled smtpd_reasons_;      // reason
  Labeled smtpd_tls_;          // trust, protocol, cipher, secret_bits, algorithm_bits
  Labeled smtp_tls_;           // same
  Labeled smtp_processed_;     // status
  Labeled smtp_status_dsn_;    // status, dsn
  Labeled smtp_deferred_dsn_;  // dsn
  Labeled smtp_bounced_dsn_;   // dsn
  Labeled opendkim_signed_;    // subject, domain
  Labeled unsupported_;        // service, level
  Stages smtp_delays_, lmtp_delays_;
  std::map<std::string, Stages, std::less<>> pipe_delays_;  // by relay
  Histogram qmgr_nrcpt_, qmgr_size_;
};

}  // namespace mail::postfix
