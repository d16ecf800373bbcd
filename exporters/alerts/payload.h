#pragma once
// Alertmanager's webhook payload (version 4), parsed and checked. Pure: text
// in, a Webhook or the reason it was refused out; no store, no clock.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace alerts {

using LabelMap = std::map<std::string, std::string>;

struct Alert {
  std::string status;  // "firing" or "resolved"
  LabelMap labels;
  LabelMap annotations;
  std::string starts_at;          // as sent (RFC 3339)
  std::string ends_at;            // "0001-01-01T00:00:00Z" while firing
  std::int64_t starts_at_ns = 0;  // the same instants, for ordering and dedup
  std::int64_t ends_at_ns = 0;
  std::string generator_url;
  std::string fingerprint;  // Alertmanager's; computed from the labels when absent
  std::string raw;          // the alert object as received, re-serialised compactly

  std::string label(const std::string& name) const;
  std::string annotation(const std::string& name) const;
  std::string severity() const;  // lower-cased "severity" label
};

struct Webhook {
  std::string version;
  std::string receiver;
  std::string status;
  std::string group_key;
  std::string external_url;
  std::int64_t truncated_alerts = 0;
  LabelMap group_labels;
  LabelMap common_labels;
  LabelMap common_annotations;
  std::vector<Alert> alerts;
};

struct ParsedWebhook {
  std::optional<Webhook> webhook;
  std::string error;  // why it was refused, for the 400 answer
};

// Refuses (with the reason): invalid JSON, a non-object, a missing or
// non-array "alerts", more than max_alerts alerts, an alert without a valid
// status, labels that are not strings, a startsAt that is not RFC 3339.
ParsedWebhook parseWebhook(std::string_view body, std::size_t max_alerts = 100000);

// RFC 3339 ("2026-11-21T16:00:00.123456789Z", "...+02:00") to nanoseconds
// since the epoch; nullopt when malformed. Go's zero time is accepted.
std::optional<std::int64_t> parseRfc3339(std::string_view text);
// Nanoseconds since the epoch as "2026-11-21T16:00:00.123Z".
std::string formatRfc3339Millis(std::int64_t ns);

// Prometheus' label-set fingerprint (FNV-1a 64 over sorted names and values
// with 0xff separators), as Alertmanager computes it, 16 hex digits.
std::string labelsFingerprint(const LabelMap& labels);

}  // namespace alerts
