#include "mail/postfix/queue.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace mail::postfix {
namespace {

bool parseNumber(std::string_view text, double& out) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return false;
  out = static_cast<double>(value);
  return true;
}

// Reads one null-terminated string at pos; false when the terminator is
// missing (a cut answer).
bool readField(std::string_view bytes, std::size_t& pos, std::string_view& out) {
  std::size_t end = bytes.find('\0', pos);
  if (end == std::string_view::npos) return false;
  out = bytes.substr(pos, end - pos);
  pos = end + 1;
  return true;
}

}  // namespace

QueueListing parseShowq(std::string_view bytes) {
  QueueListing listing;
  std::size_t pos = 0;
  bool first_list = true;
  while (pos < bytes.size()) {
    // One attribute list: name/value pairs up to an empty name.
    QueuedMessage message;
    bool has_queue = false, has_time = false, has_size = false, is_protocol = false;
    std::size_t attributes = 0;
    for (;;) {
      std::string_view name, value;
      if (!readField(bytes, pos, name)) {
        listing.error = "showq answer cut inside an attribute name";
        return listing;
      }
      if (name.empty()) break;
      if (!readField(bytes, pos, value)) {
        listing.error = "showq answer cut inside the value of \"" + std::string(name) + "\"";
        return listing;
      }
      ++attributes;
      if (name == "protocol") {
        is_protocol = true;
      } else if (name == "queue_name") {
        message.queue = value;
        has_queue = true;
      } else if (name == "queue_id") {
        message.queue_id = value;
      } else if (name == "time") {
        if (!parseNumber(value, message.arrival_time)) {
          listing.error = "showq: time is not a number: \"" + std::string(value) + "\"";
          return listing;
        }
        has_time = true;
      } else if (name == "size") {
        if (!parseNumber(value, message.size_bytes)) {
          listing.error = "showq: size is not a number: \"" + std::string(value) + "\"";
          return listing;
        }
        has_size = true;
      }
    }
    if (attributes == 0) {
      // The empty list ends the answer; anything after it is not showq's.
      listing.complete = true;
      if (pos != bytes.size()) listing.error = "showq: bytes after the end of the list";
      return listing;
    }
    if (is_protocol && first_list) {
      first_list = false;
      continue;
    }
    first_list = false;
    if (!has_queue || !has_time || !has_size) {
      listing.error = "showq: a message without queue_name, time or size";
      return listing;
    }
    listing.messages.push_back(std::move(message));
  }
  listing.error = "showq answer ended without its end-of-list marker";
  return listing;
}

QueueListing parsePostqueueJson(std::string_view text) {
  QueueListing listing;
  std::size_t line_number = 0;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty()) continue;
    auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    const auto queue = json.is_object() ? json.find("queue_name") : json.end();
    const auto arrival = json.is_object() ? json.find("arrival_time") : json.end();
    const auto size = json.is_object() ? json.find("message_size") : json.end();
    if (json.is_discarded() || !json.is_object() || queue == json.end() || !queue->is_string() ||
        arrival == json.end() || !arrival->is_number() || size == json.end() ||
        !size->is_number()) {
      listing.error = "postqueue -j: line " + std::to_string(line_number) +
                      " is not a message object with queue_name, arrival_time and message_size";
      return listing;
    }
    QueuedMessage message;
    message.queue = queue->get<std::string>();
    if (auto id = json.find("queue_id"); id != json.end() && id->is_string()) {
      message.queue_id = id->get<std::string>();
    }
    message.arrival_time = arrival->get<double>();
    message.size_bytes = size->get<double>();
    listing.messages.push_back(std::move(message));
  }
  listing.complete = true;
  return listing;
}

}  // namespace mail::postfix
