#include "alerts/service.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "hostfs/read.h"
#include "httpclient/client.h"
#include "log/log.h"
#include "runtime/web_config.h"

namespace alerts {

namespace {

using nlohmann::json;
using runtime::HttpRequest;
using runtime::HttpResponse;

constexpr double kLatencyBounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                     0.1,   0.25,   0.5,   1,    2.5,   5};

HttpResponse jsonResponse(int status, const json& body) {
  HttpResponse response;
  response.status = status;
  response.content_type = "application/json";
  response.body = body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  response.compressible = response.body.size() > 1024;
  return response;
}

HttpResponse errorResponse(int status, const std::string& reason) {
  return jsonResponse(status, json{{"status", "error"}, {"error", reason}});
}

std::string storeErrorReason(int code) {
  switch (code) {
    case SQLITE_FULL:
      return "full";
    case SQLITE_READONLY:
      return "readonly";
    case SQLITE_IOERR:
      return "io";
    case SQLITE_CANTOPEN:
      return "cantopen";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return "busy";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return "corrupt";
    default:
      return "other";
  }
}

json alertJson(const AlertRow& a, bool with_raw) {
  json out = {{"fingerprint", a.fingerprint},
              {"alertname", a.alertname},
              {"instance", a.instance},
              {"severity", a.severity},
              {"category", a.category},
              {"service", a.service},
              {"status", a.status},
              {"startsAt", a.starts_at},
              {"endsAt", a.ends_at},
              {"summary", a.summary},
              {"description", a.description},
              {"runbook", a.runbook},
              {"impact", a.impact},
              {"groupKey", a.group_key},
              {"externalURL", a.external_url},
              {"generatorURL", a.generator_url},
              {"flapCount", a.flap_count},
              {"webhookCount", a.webhook_count},
              {"createdAt", a.created_at},
              {"updatedAt", a.updated_at}};
  if (with_raw) {
    json raw = json::parse(a.raw, nullptr, false);
    out["raw"] = raw.is_discarded() ? json(a.raw) : raw;
  }
  return out;
}

std::optional<int> parseInt(const std::string& text, int minimum, int maximum) {
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  int value = std::stoi(text);
  if (value < minimum || value > maximum) return std::nullopt;
  return value;
}

// The filters of the list endpoint and the page; an error names the bad one.
std::optional<std::string> readFilter(const HttpRequest& request, AlertFilter& filter) {
  for (const auto& [key, value] : runtime::parseQuery(request.query)) {
    if (key == "status") {
      if (!value.empty() && value != "firing" && value != "resolved")
        return "status must be firing or resolved";
      filter.status = value;
    } else if (key == "severity") {
      filter.severity = value;
    } else if (key == "instance") {
      filter.instance = value;
    } else if (key == "alertname") {
      filter.alertname = value;
    } else if (key == "limit") {
      auto limit = parseInt(value, 1, 1000);
      if (!limit) return "limit must be a number from 1 to 1000";
      filter.limit = *limit;
    } else if (key == "offset") {
      auto offset = parseInt(value, 0, 100000000);
      if (!offset) return "offset must be a non-negative number";
      filter.offset = *offset;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string htmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Service::Service(Config config, Clock clock)
    : config_(std::move(config)),
      clock_(std::move(clock)),
      limiter_(config_.per_alert_limit, config_.global_limit) {
  store_latency_.counts.assign(std::size(kLatencyBounds), 0);
}

Service::~Service() { stop(); }

bool Service::start() {
  {
    std::lock_guard lock(mutex_);
    storeLocked();
  }
  notifier_ = std::make_unique<Notifier>(config_, config_.database, notifier_counters_, clock_);
  notifier_->start();
  return true;
}

void Service::stop() {
  if (notifier_) notifier_->stop();
}

Store* Service::storeLocked(bool for_webhook) {
  if (store_) return store_.get();
  auto opened = Store::open(config_.database);
  if (!opened) {
    storeFailed(opened.error(), for_webhook);
    return nullptr;
  }
  store_ = std::move(*opened);
  store_->disableAutoCheckpoint();  // the sender checkpoints (Store::checkpoint)
  if (!last_store_error_.empty()) LOG_INFO("store available again", {"path", config_.database});
  last_store_error_.clear();
  return store_.get();
}

void Service::storeFailed(const StoreError& error, bool count) {
  if (count) ++store_errors_[storeErrorReason(error.code)];
  // Logged once per distinct error, not once per retried webhook.
  if (error.message != last_store_error_) {
    LOG_ERROR("store unavailable, answering 503", {"path", config_.database},
              {"err", error.message});
    last_store_error_ = error.message;
  }
  store_.reset();  // reopened on the next request
}

bool Service::authorized(const HttpRequest& request) {
  const std::string header = request.header("authorization");
  if (!config_.bearer_token.empty()) {
    return header.starts_with("Bearer ") &&
           runtime::constantTimeEquals(std::string_view(header).substr(7), config_.bearer_token);
  }
  if (!config_.bearer_token_file.empty()) {
    auto token = hostfs::readSecretFile(config_.bearer_token_file);
    if (!token || token->empty()) {
      LOG_ERROR("cannot read the webhook's bearer token file",
                {"err", token ? "empty" : token.error()});
      return false;
    }
    if (!header.starts_with("Bearer ")) return false;
    return runtime::constantTimeEquals(std::string_view(header).substr(7), *token);
  }
  if (!config_.basic_username.empty()) {
    auto password = hostfs::readSecretFile(config_.basic_password_file);
    if (!password) {
      LOG_ERROR("cannot read the webhook's password file", {"err", password.error()});
      return false;
    }
    if (!header.starts_with("Basic ")) return false;
    auto decoded = runtime::decodeBase64(std::string_view(header).substr(6));
    if (!decoded) return false;
    return runtime::constantTimeEquals(*decoded, config_.basic_username + ":" + *password);
  }
  return true;
}

std::vector<Delivery> Service::plan(const Alert& alert, bool resolved,
                                    const std::vector<std::string>& paged) {
  std::vector<Delivery> out;
  if (resolved) {
    // The resolution goes where the firing went, on routes that send it.
    auto routed = routeAlert(config_, alert.labels, true);
    for (const std::string& destination : paged) {
      if (std::find(routed.begin(), routed.end(), splitDestination(destination).first) !=
          routed.end())
        out.push_back({destination, true});
    }
    return out;
  }
  auto channels = routeAlert(config_, alert.labels, false);
  if (channels.empty()) return out;
  bool allowed = limiter_.allow(alert.fingerprint, clock_() / 1000000);
  for (const std::string& name : channels) {
    const Channel& channel = config_.channels.at(name);
    if (channel.type == Channel::Type::twilio) {
      for (const std::string& to : channel.to) out.push_back({name + "/" + to, allowed});
    } else {
      out.push_back({name, allowed});
    }
    if (!allowed) ++suppressed_[name];
  }
  return out;
}

HttpResponse Service::webhook(const HttpRequest& request) {
  if (!authorized(request)) {
    std::lock_guard lock(mutex_);
    ++webhooks_["unauthorized"];
    HttpResponse response = errorResponse(401, "missing or wrong credentials");
    response.headers.emplace_back("WWW-Authenticate", config_.basic_username.empty()
                                                          ? "Bearer"
                                                          : "Basic realm=\"tern-alerts\"");
    return response;
  }
  ParsedWebhook parsed = parseWebhook(request.body, config_.max_alerts_per_webhook);
  if (!parsed.webhook) {
    std::lock_guard lock(mutex_);
    ++webhooks_["bad_request"];
    LOG_WARN("webhook refused", {"reason", parsed.error});
    return errorResponse(400, parsed.error);
  }
  if (parsed.webhook->truncated_alerts > 0) {
    // Alertmanager's max_alerts cut the group: those alerts never arrive.
    LOG_WARN("webhook truncated by Alertmanager (max_alerts): alerts missing from the store",
             {"truncated", parsed.webhook->truncated_alerts},
             {"group_key", parsed.webhook->group_key});
  }
  ApplyStats stats;
  {
    std::lock_guard lock(mutex_);
    Store* store = storeLocked(/*for_webhook=*/true);
    if (!store) {
      ++webhooks_["unavailable"];
      return errorResponse(503, "the alert store is unavailable: " + last_store_error_);
    }
    auto started = std::chrono::steady_clock::now();
    auto applied = store->apply(
        *parsed.webhook, clock_(),
        [this](const Alert& alert, bool resolved, const std::vector<std::string>& paged) {
          return plan(alert, resolved, paged);
        },
        config_.appwrite_database.enabled, config_.max_pending);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    store_latency_.observe(kLatencyBounds, seconds);
    if (!applied) {
      storeFailed(applied.error(), /*count=*/true);
      ++webhooks_["unavailable"];
      return errorResponse(503, "the alert store is unavailable: " + applied.error().message);
    }
    stats = *applied;
    ++webhooks_["ok"];
    alerts_applied_["inserted"] += stats.inserted;
    alerts_applied_["updated"] += stats.updated;
    alerts_applied_["stale"] += stats.stale;
    dropped_ += stats.dropped;
    if (stats.dropped) LOG_WARN("outbox full, notifications dropped", {"dropped", stats.dropped});
  }
  if (stats.notifications > 0 && notifier_) notifier_->wake();
  return jsonResponse(200, json{{"status", "ok"},
                                {"alerts", parsed.webhook->alerts.size()},
                                {"inserted", stats.inserted},
                                {"updated", stats.updated},
                                {"stale", stats.stale},
                                {"transitions", stats.transitions},
                                {"notifications", stats.notifications}});
}

HttpResponse Service::listAlerts(const HttpRequest& request) {
  AlertFilter filter;
  if (auto error = readFilter(request, filter)) return errorResponse(400, *error);
  std::lock_guard lock(mutex_);
  Store* store = storeLocked();
  if (!store) return errorResponse(503, "the alert store is unavailable: " + last_store_error_);
  auto page = store->list(filter);
  if (!page) return errorResponse(503, page.error().message);
  json list = json::array();
  for (const AlertRow& row : page->alerts) list.push_back(alertJson(row, false));
  return jsonResponse(200, json{{"total", page->total},
                                {"limit", filter.limit},
                                {"offset", filter.offset},
                                {"alerts", std::move(list)}});
}

HttpResponse Service::alertDetail(const HttpRequest& request) {
  const std::string prefix = "/api/v1/alerts/";
  std::string fingerprint = request.path.substr(std::min(prefix.size(), request.path.size()));
  if (fingerprint.empty() || fingerprint.find('/') != std::string::npos)
    return errorResponse(404, "no such alert");
  std::lock_guard lock(mutex_);
  Store* store = storeLocked();
  if (!store) return errorResponse(503, "the alert store is unavailable: " + last_store_error_);
  auto row = store->get(fingerprint);
  if (!row) return errorResponse(503, row.error().message);
  if (!*row) return errorResponse(404, "no alert with fingerprint " + fingerprint);
  auto history = store->history(fingerprint);
  auto notifications = store->notifications(fingerprint);
  if (!history || !notifications) return errorResponse(503, "cannot read the alert's history");
  json transitions = json::array();
  for (const TransitionRow& t : *history)
    transitions.push_back(
        {{"status", t.status}, {"startsAt", t.starts_at}, {"endsAt", t.ends_at}, {"at", t.at}});
  json sent = json::array();
  for (const NotificationRow& n : *notifications) {
    sent.push_back({{"kind", n.kind},
                    {"channel", n.channel},
                    {"state", n.state},
                    {"attempts", n.attempts},
                    {"lastError", n.last_error},
                    {"createdAt", n.created_at},
                    {"updatedAt", n.updated_at}});
  }
  return jsonResponse(200, json{{"alert", alertJson(**row, true)},
                                {"history", std::move(transitions)},
                                {"notifications", std::move(sent)}});
}

HttpResponse Service::stats(const HttpRequest&) {
  std::lock_guard lock(mutex_);
  Store* store = storeLocked();
  if (!store) return errorResponse(503, "the alert store is unavailable: " + last_store_error_);
  auto by_severity = store->countsBySeverity();
  auto by_instance = store->countsByInstance();
  if (!by_severity || !by_instance) return errorResponse(503, "cannot count alerts");
  json severity = json::object(), instance = json::object(), status = json::object();
  for (const Count& c : *by_severity) {
    severity[c.severity.empty() ? "none" : c.severity][c.status] = c.count;
    status[c.status] = status.value(c.status, 0) + c.count;
  }
  for (const Count& c : *by_instance) instance[c.instance][c.status] = c.count;
  return jsonResponse(
      200, json{{"byStatus", status}, {"bySeverity", severity}, {"byInstance", instance}});
}

void Service::collect(runtime::MetricSink& sink) {
  std::vector<Count> counts;
  std::int64_t pending = notifier_counters_.pending.load();
  std::lock_guard lock(mutex_);
  auto& webhooks = sink.counter("alerts_webhooks_received_total",
                                "Webhooks received from Alertmanager, by result (ok, bad_request, "
                                "unauthorized, unavailable).");
  for (const char* result : {"ok", "bad_request", "unauthorized", "unavailable"})
    runtime::addSample(webhooks, static_cast<double>(webhooks_[result]), {{"result", result}});
  auto& applied =
      sink.counter("alerts_webhook_alerts_total",
                   "Alerts in accepted webhooks, by outcome: inserted (a new "
                   "fingerprint), updated (a repeat or a transition), stale (older than "
                   "what is stored, ignored).");
  for (const char* outcome : {"inserted", "updated", "stale"})
    runtime::addSample(applied, static_cast<double>(alerts_applied_[outcome]),
                       {{"outcome", outcome}});
  Store* store = store_.get();  // a scrape does not reopen it
  sink.gauge("alerts_store_up", "1 when the alert store is open and writable, else 0.",
             store ? 1 : 0);
  auto& errors = sink.counter("alerts_store_errors_total",
                              "Store failures that answered a webhook 503, by reason (full, "
                              "readonly, io, cantopen, busy, corrupt, other).");
  for (const char* reason : {"full", "readonly", "io", "cantopen", "busy", "corrupt", "other"})
    runtime::addSample(errors, static_cast<double>(store_errors_[reason]), {{"reason", reason}});
  if (store) {
    if (auto by_severity = store->countsBySeverity()) {
      // The known severities always, at 0 when none is stored, so a panel
      // or an alert on them has a series; any other severity as found.
      std::map<std::pair<std::string, std::string>, std::int64_t> counts;
      for (const char* status : {"firing", "resolved"})
        for (const char* severity : {"info", "warning", "critical", "emergency"})
          counts[{status, severity}] = 0;
      for (const Count& c : *by_severity) counts[{c.status, c.severity}] += c.count;
      auto& stored = sink.gauge("alerts_stored", "Alerts in the store, by status and severity.");
      for (const auto& [key, count] : counts)
        runtime::addSample(stored, static_cast<double>(count),
                           {{"severity", key.second}, {"status", key.first}});
    }
  }
  auto& latency = sink.histogram("alerts_store_duration_seconds",
                                 "Time to store one webhook (one transaction, fsync included).");
  runtime::addHistogram(latency, kLatencyBounds, store_latency_);
  sink.gauge("alerts_notification_queue_depth", "Notifications waiting to be sent (the outbox).",
             static_cast<double>(pending));
  sink.counter("alerts_notifications_dropped_total",
               "Notifications not queued because the outbox was full (queue.max_pending).",
               static_cast<double>(dropped_));
  auto& suppressed =
      sink.counter("alerts_notifications_suppressed_total",
                   "Pages not sent because a rate limit held them back, by channel.");
  std::lock_guard counters_lock(notifier_counters_.mutex);
  auto& sent = sink.counter("alerts_notifications_sent_total", "Notifications sent, by channel.");
  auto& failed =
      sink.counter("alerts_notifications_failed_total",
                   "Notifications given up after retries or a permanent error, by channel.");
  auto& retries = sink.counter("alerts_notification_retries_total",
                               "Failed send attempts that will be retried, by channel.");
  std::vector<std::string> names;
  for (const auto& [name, channel] : config_.channels) names.push_back(name);
  if (config_.appwrite_database.enabled) names.push_back("appwrite_database");
  for (const std::string& name : names) {
    runtime::addSample(sent, static_cast<double>(notifier_counters_.sent[name]),
                       {{"channel", name}});
    runtime::addSample(failed, static_cast<double>(notifier_counters_.failed[name]),
                       {{"channel", name}});
    runtime::addSample(retries, static_cast<double>(notifier_counters_.retries[name]),
                       {{"channel", name}});
    if (name != "appwrite_database")
      runtime::addSample(suppressed, static_cast<double>(suppressed_[name]), {{"channel", name}});
  }
}

void Service::addRoutes(runtime::HttpServer& server) {
  runtime::HttpServer::RouteOptions post;
  post.methods = {"POST"};
  post.max_body_bytes = config_.max_body_bytes;
  post.oversize_status = 400;  // Alertmanager does not retry a 4xx: the payload will not shrink
  post.own_auth = !config_.bearer_token.empty() || !config_.bearer_token_file.empty() ||
                  !config_.basic_username.empty();
  // "/hook/" takes "/hook/<anything>": one URL per Alertmanager receiver,
  // all into one store (the dedup makes receivers that overlap harmless).
  post.prefix = config_.webhook_path.ends_with("/");
  server.route(
      config_.webhook_path, [this](const HttpRequest& r) { return webhook(r); }, post);
  server.route("/api/v1/alerts", [this](const HttpRequest& r) { return listAlerts(r); });
  runtime::HttpServer::RouteOptions prefix;
  prefix.prefix = true;
  server.route(
      "/api/v1/alerts/", [this](const HttpRequest& r) { return alertDetail(r); }, prefix);
  server.route("/api/v1/stats", [this](const HttpRequest& r) { return stats(r); });
  server.route("/", [this](const HttpRequest& r) { return page(r); });
  // Ready means a webhook would be stored now (the store opens); healthy
  // (the runtime's /-/healthy) only that the process serves.
  server.route("/-/ready", [this](const HttpRequest&) {
    HttpResponse response;
    std::lock_guard lock(mutex_);
    if (storeLocked()) {
      response.body = "Ready\n";
    } else {
      response.status = 503;
      response.body = "Not ready: the alert store is unavailable: " + last_store_error_ + "\n";
    }
    return response;
  });
}

}  // namespace alerts
