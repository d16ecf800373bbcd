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

}  // namespace

bool ShowqStream::feed(std::string_view piece) {
  for (char c : piece) {
    if (complete_ || !error_.empty()) {
      if (error_.empty()) fail("showq: bytes after the end of the list");
      return false;
    }
    if (c == '\0') {
      endToken();
    } else if (expect_name_ || keep_value_) {
      token_.push_back(c);
    }
  }
  return !complete_ && error_.empty();
}

void ShowqStream::endToken() {
  if (expect_name_) {
    if (token_.empty()) {
      endList();
      return;
    }
    name_.swap(token_);
    token_.clear();
    expect_name_ = false;
    keep_value_ = name_ == "protocol" || name_ == "queue_name" || name_ == "queue_id" ||
                  name_ == "time" || name_ == "size";
    return;
  }
  ++attributes_;
  expect_name_ = true;
  if (name_ == "protocol") {
    is_protocol_ = true;
  } else if (name_ == "queue_name") {
    message_.queue = token_;
    has_queue_ = true;
  } else if (name_ == "queue_id") {
    message_.queue_id = token_;
  } else if (name_ == "time") {
    if (!parseNumber(token_, message_.arrival_time))
      return fail("showq: time is not a number: \"" + token_ + "\"");
    has_time_ = true;
  } else if (name_ == "size") {
    if (!parseNumber(token_, message_.size_bytes))
      return fail("showq: size is not a number: \"" + token_ + "\"");
    has_size_ = true;
  }
  token_.clear();
}

void ShowqStream::endList() {
  if (attributes_ == 0) {
    complete_ = true;  // the empty list ends the answer
    return;
  }
  const bool announcement = is_protocol_ && first_list_;
  first_list_ = false;
  if (!announcement) {
    if (!has_queue_ || !has_time_ || !has_size_)
      return fail("showq: a message without queue_name, time or size");
    on_message_(message_);
  }
  message_ = QueuedMessage{};
  has_queue_ = has_time_ = has_size_ = is_protocol_ = false;
  attributes_ = 0;
}

void ShowqStream::fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
}

std::string ShowqStream::finish() const {
  if (!error_.empty()) return error_;
  if (complete_) return "";
  if (!expect_name_) return "showq answer cut inside the value of \"" + name_ + "\"";
  if (!token_.empty() || attributes_ > 0) return "showq answer cut inside an attribute name";
  return "showq answer ended without its end-of-list marker";
}

QueueListing parseShowq(std::string_view bytes) {
  QueueListing listing;
  ShowqStream stream([&](const QueuedMessage& message) { listing.messages.push_back(message); });
  stream.feed(bytes);
  listing.error = stream.finish();
  listing.complete = stream.complete();
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
