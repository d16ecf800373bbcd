#include "alerts/notifier.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>

#include "hostfs/read.h"
#include "httpclient/client.h"
#include "log/log.h"

namespace alerts {

namespace {

using nlohmann::json;

std::string formEncode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// Header values must be one line of text.
std::string headerSafe(std::string text) {
  for (char& c : text) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return text;
}

std::string appwriteMessageId(const NotificationRow& row) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "tern-%.16s-%llx%c", row.fingerprint.c_str(),
                static_cast<unsigned long long>(row.starts_at_ns / 1000000000),
                row.kind == "resolved" ? 'r' : 'f');
  return buf;
}

}  // namespace

std::pair<std::string, std::string> splitDestination(const std::string& destination) {
  auto slash = destination.find('/');
  if (slash == std::string::npos) return {destination, ""};
  return {destination.substr(0, slash), destination.substr(slash + 1)};
}

OutgoingRequest twilioRequest(const Channel& channel, const std::string& account_sid,
                              const std::string& auth_token, const std::string& to,
                              const NotificationRow& row) {
  OutgoingRequest request;
  request.url = channel.url + "/2010-04-01/Accounts/" + formEncode(account_sid) + "/Messages.json";
  std::string text = row.title + "\n" + row.message;
  if (text.size() > 1500) text.resize(1500);  // Twilio's limit is 1600 characters
  request.body =
      "To=" + formEncode(to) + "&From=" + formEncode(channel.from) + "&Body=" + formEncode(text);
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  request.basic_username = account_sid;
  request.basic_password = auth_token;
  return request;
}

OutgoingRequest ntfyRequest(const Channel& channel, const std::string& token,
                            const NotificationRow& row) {
  OutgoingRequest request;
  request.url = channel.url + "/" + channel.topic;
  request.body = row.message;
  std::string priority = "default";
  if (row.kind == "firing") {
    if (row.severity == "emergency")
      priority = "urgent";
    else if (row.severity == "critical")
      priority = "high";
  }
  request.headers = {{"Title", headerSafe(row.title)},
                     {"Priority", priority},
                     {"Tags", row.kind == "resolved" ? "white_check_mark" : "rotating_light"},
                     {"Content-Type", "text/plain; charset=utf-8"}};
  if (!token.empty()) request.headers.emplace_back("Authorization", "Bearer " + token);
  return request;
}

OutgoingRequest appwriteMessageRequest(const Channel& channel, const std::string& key,
                                       const NotificationRow& row) {
  OutgoingRequest request;
  request.url = channel.url + "/messaging/messages/push";
  json body = {{"messageId", appwriteMessageId(row)},
               {"title", row.title},
               {"body", row.message},
               {"topics", json::array({channel.appwrite_topic})}};
  request.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  request.headers = {{"Content-Type", "application/json"},
                     {"X-Appwrite-Project", channel.project_id},
                     {"X-Appwrite-Key", key}};
  return request;
}

std::string appwriteDocument(const AlertRow& a) {
  json data = {{"alertname", a.alertname},      {"instance", a.instance},
               {"severity", a.severity},        {"category", a.category},
               {"service", a.service},          {"status", a.status},
               {"startsAt", a.starts_at},       {"endsAt", a.ends_at},
               {"summary", a.summary},          {"description", a.description},
               {"runbook", a.runbook},          {"impact", a.impact},
               {"fingerprint", a.fingerprint},  {"groupKey", a.group_key},
               {"externalURL", a.external_url}, {"raw", a.raw},
               {"createdAt", a.created_at},     {"updatedAt", a.updated_at}};
  return data.dump(-1, ' ', false, json::error_handler_t::replace);
}

SendOutcome classifyStatus(int status) {
  if (status >= 200 && status < 300) return SendOutcome::sent;
  if (status == 408 || status == 429 || status >= 500) return SendOutcome::retry;
  return SendOutcome::give_up;
}

Notifier::Notifier(const Config& config, std::string database, NotifierCounters& counters,
                   Clock clock)
    : config_(config),
      database_(std::move(database)),
      counters_(counters),
      clock_(std::move(clock)) {}

Notifier::~Notifier() { stop(); }

void Notifier::start() {
  thread_ = std::thread([this] { run(); });
}

void Notifier::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Notifier::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

void Notifier::run() {
  std::unique_ptr<Store> store;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      if (stopping_) return;
    }
    if (!store) {
      auto opened = Store::open(database_);
      if (opened) {
        store = std::move(*opened);
        last_store_error_.clear();
      } else if (opened.error().message != last_store_error_) {
        last_store_error_ = opened.error().message;
        LOG_ERROR("sender cannot open the store", {"err", last_store_error_});
      }
    }
    bool more = false;
    if (store) {
      auto due = store->due(clock_() / 1000000, 32);
      if (due) {
        for (const NotificationRow& row : *due) {
          {
            std::lock_guard lock(mutex_);
            if (stopping_) return;
          }
          sendOne(*store, row);
        }
        more = due->size() == 32;
      } else {
        LOG_WARN("sender cannot read the outbox", {"err", due.error().message});
        store.reset();
      }
      if (store) {
        if (auto pending = store->pendingCount()) counters_.pending = *pending;
        store->checkpoint();
        prune(*store);
      }
    }
    if (more) continue;
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, std::chrono::seconds(1), [this] { return woken_ || stopping_; });
    woken_ = false;
  }
}

std::pair<SendOutcome, std::string> Notifier::deliver(Store& store, const NotificationRow& row) {
  auto [name, to] = splitDestination(row.channel);
  OutgoingRequest request;
  std::chrono::milliseconds timeout{10000};
  auto secret = [](const std::string& path) -> base::Expected<std::string, std::string> {
    if (path.empty()) return std::string();
    return hostfs::readSecretFile(path);
  };
  if (name == "appwrite_database") {
    const AppwriteSink& sink = config_.appwrite_database;
    if (!sink.enabled)
      return {SendOutcome::give_up, "the Appwrite database sink is not configured"};
    auto alert = store.get(row.fingerprint);
    if (!alert) return {SendOutcome::retry, alert.error().message};
    if (!*alert) return {SendOutcome::give_up, "alert no longer stored"};
    auto key = secret(sink.key_file);
    if (!key) return {SendOutcome::retry, key.error()};
    const std::string collection = sink.endpoint + "/databases/" + sink.database_id +
                                   "/collections/" + sink.collection_id + "/documents";
    httpclient::Options options;
    options.timeout = sink.timeout;
    options.user_agent = "tern-alerts";
    httpclient::Client client(options);
    httpclient::Headers headers = {{"Content-Type", "application/json"},
                                   {"X-Appwrite-Project", sink.project_id},
                                   {"X-Appwrite-Key", *key}};
    const std::string data = appwriteDocument(**alert);
    const std::string create = "{\"documentId\":\"" + row.fingerprint + "\",\"data\":" + data + "}";
    auto created = client.post(collection, create, headers);
    if (!created) return {SendOutcome::retry, created.error().message};
    if (created->status == 409) {  // the document exists: update it
      auto updated = client.send("PATCH", collection + "/" + row.fingerprint,
                                 "{\"data\":" + data + "}", headers);
      if (!updated) return {SendOutcome::retry, updated.error().message};
      return {classifyStatus(updated->status), "HTTP " + std::to_string(updated->status)};
    }
    return {classifyStatus(created->status), "HTTP " + std::to_string(created->status)};
  }
  auto found = config_.channels.find(name);
  if (found == config_.channels.end())
    return {SendOutcome::give_up, "channel \"" + name + "\" is no longer configured"};
  const Channel& channel = found->second;
  timeout = channel.timeout;
  switch (channel.type) {
    case Channel::Type::twilio: {
      auto sid = secret(channel.account_sid_file);
      if (!sid) return {SendOutcome::retry, sid.error()};
      auto token = secret(channel.auth_token_file);
      if (!token) return {SendOutcome::retry, token.error()};
      request = twilioRequest(channel, *sid, *token, to, row);
      break;
    }
    case Channel::Type::ntfy: {
      auto token = secret(channel.token_file);
      if (!token) return {SendOutcome::retry, token.error()};
      request = ntfyRequest(channel, *token, row);
      break;
    }
    case Channel::Type::appwrite: {
      auto key = secret(channel.key_file);
      if (!key) return {SendOutcome::retry, key.error()};
      request = appwriteMessageRequest(channel, *key, row);
      break;
    }
  }
  httpclient::Options options;
  options.timeout = timeout;
  options.user_agent = "tern-alerts";
  options.auth.basic_username = request.basic_username;
  options.auth.basic_password = request.basic_password;
  httpclient::Client client(options);
  auto response = client.post(request.url, request.body, request.headers);
  if (!response) return {SendOutcome::retry, response.error().message};
  SendOutcome outcome = classifyStatus(response->status);
  // Appwrite: a retry of a message that did arrive finds its id taken.
  if (channel.type == Channel::Type::appwrite && response->status == 409)
    outcome = SendOutcome::sent;
  std::string detail = "HTTP " + std::to_string(response->status);
  if (outcome != SendOutcome::sent && !response->body.empty())
    detail += ": " + response->body.substr(0, 200);
  return {outcome, detail};
}

void Notifier::prune(Store& store) {
  const std::int64_t now = clock_();
  const std::int64_t retention_ns = static_cast<std::int64_t>(config_.retention.count()) * 1000000;
  if (retention_ns <= 0 || now - last_prune_ns_ < 3600LL * 1000000000LL) return;  // hourly
  last_prune_ns_ = now;
  auto deleted = store.prune(now - retention_ns);
  if (!deleted) {
    LOG_WARN("cannot prune the store", {"err", deleted.error().message});
  } else if (*deleted > 0) {
    LOG_INFO("pruned resolved alerts past the retention", {"alerts", *deleted},
             {"retention_hours", retention_ns / 3600000000000LL});
  }
}

void Notifier::sendOne(Store& store, const NotificationRow& row) {
  const std::string channel = splitDestination(row.channel).first;
  auto [outcome, detail] = deliver(store, row);
  const int attempts = row.attempts + 1;
  const std::int64_t now_ns = clock_();
  std::optional<StoreError> error;
  std::lock_guard lock(counters_.mutex);
  if (outcome == SendOutcome::sent) {
    ++counters_.sent[channel];
    error = store.markSent(row.id, now_ns);
    LOG_INFO("notification sent", {"channel", row.channel}, {"kind", row.kind},
             {"fingerprint", row.fingerprint});
  } else if (outcome == SendOutcome::give_up || attempts >= config_.retry_max_attempts) {
    ++counters_.failed[channel];
    error = store.markFailed(row.id, attempts, detail, now_ns);
    LOG_ERROR("notification failed, giving up", {"channel", row.channel}, {"kind", row.kind},
              {"fingerprint", row.fingerprint}, {"attempts", attempts}, {"err", detail});
  } else {
    ++counters_.retries[channel];
    // Exponential backoff with full jitter in its upper half.
    double backoff = static_cast<double>(config_.retry_initial.count()) *
                     static_cast<double>(1LL << std::min(attempts - 1, 20));
    backoff = std::min(backoff, static_cast<double>(config_.retry_max.count()));
    static thread_local std::mt19937 random{std::random_device{}()};
    backoff *= std::uniform_real_distribution<double>(0.5, 1.0)(random);
    error = store.markRetry(row.id, attempts, now_ns / 1000000 + static_cast<std::int64_t>(backoff),
                            detail, now_ns);
    LOG_WARN("notification failed, will retry", {"channel", row.channel}, {"kind", row.kind},
             {"fingerprint", row.fingerprint}, {"attempts", attempts},
             {"retry_in_ms", static_cast<std::int64_t>(backoff)}, {"err", detail});
  }
  if (error) LOG_ERROR("cannot update the outbox", {"err", error->message});
}

}  // namespace alerts
