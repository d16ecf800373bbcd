#include "alerts/payload.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

namespace alerts {

namespace {

using nlohmann::json;

std::string lookup(const LabelMap& map, const std::string& name) {
  auto found = map.find(name);
  return found == map.end() ? std::string() : found->second;
}

// A JSON object of string values; false (with the reason) otherwise. A
// missing member is an empty map.
bool readLabelMap(const json& parent, const char* key, LabelMap& out, std::string& error,
                  const std::string& where) {
  auto member = parent.find(key);
  if (member == parent.end() || member->is_null()) return true;
  if (!member->is_object()) {
    error = where + std::string(key) + " is not an object";
    return false;
  }
  for (const auto& [name, value] : member->items()) {
    if (!value.is_string()) {
      error = where + std::string(key) + "." + name + " is not a string";
      return false;
    }
    out.emplace(name, value.get<std::string>());
  }
  return true;
}

bool readString(const json& parent, const char* key, std::string& out, std::string& error,
                const std::string& where) {
  auto member = parent.find(key);
  if (member == parent.end() || member->is_null()) return true;
  if (!member->is_string()) {
    error = where + std::string(key) + " is not a string";
    return false;
  }
  out = member->get<std::string>();
  return true;
}

bool digits(std::string_view text, std::size_t at, std::size_t count, int& out) {
  if (at + count > text.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's method).
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

std::string Alert::label(const std::string& name) const { return lookup(labels, name); }
std::string Alert::annotation(const std::string& name) const { return lookup(annotations, name); }
std::string Alert::severity() const {
  std::string value = label("severity");
  std::transform(value.begin(), value.end(), value.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return value;
}

std::optional<std::int64_t> parseRfc3339(std::string_view text) {
  int year, month, day, hour, minute, second;
  if (!digits(text, 0, 4, year) || text.size() < 20 || text[4] != '-' ||
      !digits(text, 5, 2, month) || text[7] != '-' || !digits(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !digits(text, 11, 2, hour) ||
      text[13] != ':' || !digits(text, 14, 2, minute) || text[16] != ':' ||
      !digits(text, 17, 2, second))
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return std::nullopt;
  std::size_t at = 19;
  std::int64_t fraction_ns = 0;
  if (at < text.size() && text[at] == '.') {
    ++at;
    std::size_t start = at;
    std::int64_t scale = 100000000;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) {
      fraction_ns += (text[at] - '0') * scale;
      scale /= 10;
      ++at;
    }
    if (at == start) return std::nullopt;
  }
  if (at >= text.size()) return std::nullopt;
  std::int64_t offset_seconds = 0;
  if (text[at] == 'Z' || text[at] == 'z') {
    ++at;
  } else if (text[at] == '+' || text[at] == '-') {
    int offset_hour, offset_minute;
    if (!digits(text, at + 1, 2, offset_hour) || at + 3 >= text.size() || text[at + 3] != ':' ||
        !digits(text, at + 4, 2, offset_minute))
      return std::nullopt;
    offset_seconds = (offset_hour * 3600 + offset_minute * 60) * (text[at] == '+' ? 1 : -1);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != text.size()) return std::nullopt;
  std::int64_t days = daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  std::int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  // Go's zero time (year 1) fits: about -6.2e19 ns would not, so clamp to seconds range.
  if (seconds < -9223372036LL) return INT64_MIN;
  return seconds * 1000000000LL + fraction_ns;
}

std::string formatRfc3339Millis(std::int64_t ns) {
  if (ns == INT64_MIN) return "0001-01-01T00:00:00Z";
  std::int64_t seconds = ns >= 0 ? ns / 1000000000 : (ns - 999999999) / 1000000000;
  int millis = static_cast<int>((ns - seconds * 1000000000) / 1000000);
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
  return buf;
}

std::string labelsFingerprint(const LabelMap& labels) {
  std::uint64_t hash = 14695981039346656037ULL;
  auto add = [&hash](std::string_view text) {
    for (unsigned char c : text) {
      hash ^= c;
      hash *= 1099511628211ULL;
    }
  };
  for (const auto& [name, value] : labels) {  // std::map: sorted by name
    add(name);
    add("\xff");
    add(value);
    add("\xff");
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash));
  return buf;
}

ParsedWebhook parseWebhook(std::string_view body, std::size_t max_alerts) {
  ParsedWebhook result;
  json document = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    result.error = "invalid JSON";
    return result;
  }
  if (!document.is_object()) {
    result.error = "payload is not a JSON object";
    return result;
  }
  Webhook webhook;
  std::string& error = result.error;
  if (!readString(document, "version", webhook.version, error, "") ||
      !readString(document, "receiver", webhook.receiver, error, "") ||
      !readString(document, "status", webhook.status, error, "") ||
      !readString(document, "groupKey", webhook.group_key, error, "") ||
      !readString(document, "externalURL", webhook.external_url, error, "") ||
      !readLabelMap(document, "groupLabels", webhook.group_labels, error, "") ||
      !readLabelMap(document, "commonLabels", webhook.common_labels, error, "") ||
      !readLabelMap(document, "commonAnnotations", webhook.common_annotations, error, ""))
    return result;
  if (!webhook.version.empty() && webhook.version != "4") {
    error = "unsupported payload version \"" + webhook.version + "\" (want 4)";
    return result;
  }
  if (auto truncated = document.find("truncatedAlerts"); truncated != document.end()) {
    if (!truncated->is_number_integer()) {
      error = "truncatedAlerts is not an integer";
      return result;
    }
    webhook.truncated_alerts = truncated->get<std::int64_t>();
  }
  auto list = document.find("alerts");
  if (list == document.end() || !list->is_array()) {
    error = "alerts is missing or not an array";
    return result;
  }
  if (list->size() > max_alerts) {
    error = "payload has " + std::to_string(list->size()) + " alerts, more than the limit of " +
            std::to_string(max_alerts);
    return result;
  }
  webhook.alerts.reserve(list->size());
  std::size_t index = 0;
  for (const json& item : *list) {
    const std::string where = "alerts[" + std::to_string(index++) + "].";
    if (!item.is_object()) {
      error = where.substr(0, where.size() - 1) + " is not an object";
      return result;
    }
    Alert alert;
    if (!readString(item, "status", alert.status, error, where) ||
        !readLabelMap(item, "labels", alert.labels, error, where) ||
        !readLabelMap(item, "annotations", alert.annotations, error, where) ||
        !readString(item, "startsAt", alert.starts_at, error, where) ||
        !readString(item, "endsAt", alert.ends_at, error, where) ||
        !readString(item, "generatorURL", alert.generator_url, error, where) ||
        !readString(item, "fingerprint", alert.fingerprint, error, where))
      return result;
    if (alert.status != "firing" && alert.status != "resolved") {
      error = where + "status must be \"firing\" or \"resolved\"";
      return result;
    }
    if (alert.labels.empty()) {
      error = where + "labels are missing";
      return result;
    }
    auto starts = parseRfc3339(alert.starts_at);
    if (!starts) {
      error = where + "startsAt is not an RFC 3339 time";
      return result;
    }
    alert.starts_at_ns = *starts;
    if (alert.ends_at.empty()) alert.ends_at = "0001-01-01T00:00:00Z";
    auto ends = parseRfc3339(alert.ends_at);
    if (!ends) {
      error = where + "endsAt is not an RFC 3339 time";
      return result;
    }
    alert.ends_at_ns = *ends;
    if (alert.fingerprint.empty()) alert.fingerprint = labelsFingerprint(alert.labels);
    if (alert.fingerprint.size() > 64) {
      error = where + "fingerprint is longer than 64 characters";
      return result;
    }
    alert.raw = item.dump(-1, ' ', false, json::error_handler_t::replace);
    webhook.alerts.push_back(std::move(alert));
  }
  result.webhook = std::move(webhook);
  return result;
}

}  // namespace alerts
