#include "mail/mailcow/api.h"

#include <cmath>
#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>

namespace mail::mailcow {
namespace {

using nlohmann::json;

// A number, or a string holding exactly one (Mailcow's PHP sends both).
std::optional<double> number(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (it->is_number()) return it->get<double>();
  if (it->is_boolean()) return it->get<bool>() ? 1.0 : 0.0;
  if (!it->is_string()) return std::nullopt;
  const std::string& text = it->get_ref<const std::string&>();
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<std::string> string(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// The parsed document, or why it is not one Mailcow meant as data.
base::Expected<json, std::string> document(std::string_view body) {
  json doc = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return base::unexpected(
        std::string(body.empty() ? "empty answer" : "invalid JSON (truncated?)"));
  }
  // Mailcow reports failures as {"type": "error", "msg": "..."}.
  if (doc.is_object()) {
    auto type = string(doc, "type");
    if (type && (*type == "error" || *type == "danger")) {
      auto msg = string(doc, "msg");
      return base::unexpected("Mailcow answered an error: " + msg.value_or("(no message)"));
    }
  }
  return doc;
}

// A list answer. Mailcow answers an empty list as [] or, from some
// endpoints, {}; a single object is taken as a list of one when `single_ok`.
base::Expected<std::vector<const json*>, std::string> list(const json& doc, bool single_ok) {
  std::vector<const json*> out;
  if (doc.is_array()) {
    for (const json& item : doc) out.push_back(&item);
    return out;
  }
  if (doc.is_object() && doc.empty()) return out;
  if (doc.is_object() && single_ok) {
    out.push_back(&doc);
    return out;
  }
  if (doc.is_null()) return out;
  return base::unexpected(std::string("expected a JSON list, got ") + doc.type_name());
}

template <typename T, typename Fn>
Parsed<T> parseList(std::string_view body, bool single_ok, Fn item) {
  auto doc = document(body);
  if (!doc) return base::unexpected(doc.error());
  auto entries = list(*doc, single_ok);
  if (!entries) return base::unexpected(entries.error());
  Items<T> result;
  for (const json* entry : *entries) {
    std::optional<T> parsed;
    if (entry->is_object()) parsed = item(*entry);
    if (parsed) {
      result.items.push_back(std::move(*parsed));
    } else {
      ++result.skipped;
    }
  }
  return result;
}

bool digits(std::string_view text, std::size_t pos, std::size_t count, int& out) {
  if (pos + count > text.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil).
long long daysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

}  // namespace

std::optional<double> parseRfc3339(std::string_view text) {
  int year, month, day, hour, minute, second;
  if (!digits(text, 0, 4, year) || text.size() < 20 || text[4] != '-' ||
      !digits(text, 5, 2, month) || text[7] != '-' || !digits(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !digits(text, 11, 2, hour) ||
      text[13] != ':' || !digits(text, 14, 2, minute) || text[16] != ':' ||
      !digits(text, 17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  if (year <= 1) return std::nullopt;  // Docker's zero time: never started
  std::size_t pos = 19;
  double fraction = 0;
  if (pos < text.size() && text[pos] == '.') {
    double scale = 0.1;
    ++pos;
    std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  if (pos >= text.size()) return std::nullopt;
  long long offset = 0;
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    int oh, om;
    if (!digits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !digits(text, pos + 4, 2, om)) {
      return std::nullopt;
    }
    offset = (oh * 3600LL + om * 60LL) * (text[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  long long seconds =
      daysFromCivil(year, month, day) * 86400LL + hour * 3600LL + minute * 60LL + second - offset;
  return static_cast<double>(seconds) + fraction;
}

Parsed<QueuedMessage> parseMailq(std::string_view body) {
  return parseList<QueuedMessage>(body, false, [](const json& e) -> std::optional<QueuedMessage> {
    auto queue = string(e, "queue_name");
    if (!queue || queue->empty()) return std::nullopt;
    return QueuedMessage{.queue = std::move(*queue),
                         .size_bytes = number(e, "message_size"),
                         .arrival_time = number(e, "arrival_time")};
  });
}

Parsed<Mailbox> parseMailboxes(std::string_view body) {
  return parseList<Mailbox>(body, false, [](const json& e) -> std::optional<Mailbox> {
    auto username = string(e, "username");
    if (!username || username->empty()) return std::nullopt;
    return Mailbox{.username = std::move(*username),
                   .domain = string(e, "domain").value_or(""),
                   .active = number(e, "active"),
                   .quota_bytes = number(e, "quota"),
                   .quota_used_bytes = number(e, "quota_used"),
                   .messages = number(e, "messages"),
                   .last_imap_login = number(e, "last_imap_login")};
  });
}

Parsed<Domain> parseDomains(std::string_view body) {
  return parseList<Domain>(body, false, [](const json& e) -> std::optional<Domain> {
    auto name = string(e, "domain_name");
    if (!name || name->empty()) return std::nullopt;
    return Domain{.name = std::move(*name),
                  .active = number(e, "active"),
                  .mailboxes = number(e, "mboxes_in_domain"),
                  .max_mailboxes = number(e, "max_num_mboxes_for_domain"),
                  .aliases = number(e, "aliases_in_domain"),
                  .max_aliases = number(e, "max_num_aliases_for_domain"),
                  .quota_bytes = number(e, "max_quota_for_domain"),
                  .quota_used_bytes = number(e, "bytes_total"),
                  .messages = number(e, "msgs_total")};
  });
}

Parsed<QuarantinedMessage> parseQuarantine(std::string_view body) {
  return parseList<QuarantinedMessage>(
      body, true, [](const json& e) -> std::optional<QuarantinedMessage> {
        // An object with none of a quarantined message's keys is not one.
        if (!e.contains("qid") && !e.contains("rcpt") && !e.contains("id")) return std::nullopt;
        return QuarantinedMessage{.recipient = string(e, "rcpt").value_or(""),
                                  .virus = number(e, "virus_flag").value_or(0) != 0,
                                  .score = number(e, "score"),
                                  .created = number(e, "created")};
      });
}

Parsed<RspamdAction> parseRspamdActions(std::string_view body) {
  auto doc = document(body);
  if (!doc) return base::unexpected(doc.error());
  Items<RspamdAction> result;
  if (doc->is_object() && doc->empty()) return result;
  if (!doc->is_array()) {
    return base::unexpected(std::string("expected a JSON list, got ") + doc->type_name());
  }
  for (const json& pair : *doc) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_number()) {
      ++result.skipped;
      continue;
    }
    result.items.push_back({pair[0].get<std::string>(), pair[1].get<double>()});
  }
  return result;
}

Parsed<Container> parseContainers(std::string_view body) {
  auto doc = document(body);
  if (!doc) return base::unexpected(doc.error());
  Items<Container> result;
  if (doc->is_array() && doc->empty()) return result;
  if (!doc->is_object()) {
    return base::unexpected(std::string("expected a JSON object, got ") + doc->type_name());
  }
  for (auto it = doc->begin(); it != doc->end(); ++it) {
    const json& e = it.value();
    if (!e.is_object()) {
      ++result.skipped;
      continue;
    }
    std::string name = string(e, "container").value_or(it.key());
    if (!name.ends_with("-mailcow")) continue;
    auto state = string(e, "state");
    if (!state) {
      ++result.skipped;
      continue;
    }
    auto started = string(e, "started_at");
    result.items.push_back(
        Container{.name = std::move(name),
                  .image = string(e, "image").value_or(""),
                  .state = std::move(*state),
                  .started_at = started ? parseRfc3339(*started) : std::nullopt});
  }
  return result;
}

}  // namespace mail::mailcow
