#include "docker/watcher.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "log/log.h"

namespace docker {
namespace {

using base::unexpected;
using Clock = std::chrono::steady_clock;

// Container events that change what we export. exec_* (every healthcheck
// run), attach, resize, top and the like change nothing and cost no call.
bool changesContainer(std::string_view action) {
  static const std::set<std::string_view> kActions = {
      "create", "start",   "restart", "die",    "stop",   "kill",
      "pause",  "unpause", "oom",     "rename", "update", "health_status"};
  return kActions.count(action) > 0;
}

// "health_status: healthy" counts as "health_status".
std::string_view baseAction(std::string_view action) { return action.substr(0, action.find(':')); }

}  // namespace

Watcher::Watcher(WatcherOptions options)
    : options_(std::move(options)),
      client_(options_.socket_path, options_.timeout),
      snapshot_(std::make_shared<Snapshot>()) {}

Watcher::~Watcher() { stop(); }

void Watcher::start() {
  thread_ = std::thread([this] { run(); });
}

void Watcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::shared_ptr<const Snapshot> Watcher::snapshot() const {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

bool Watcher::waitForFirstSync(std::chrono::milliseconds limit) const {
  std::unique_lock lock(mutex_);
  return wake_.wait_for(lock, limit, [this] { return first_sync_done_; });
}

std::map<std::string, std::uint64_t> Watcher::eventCounts() const {
  std::lock_guard lock(events_mutex_);
  return events_;
}

void Watcher::publish(bool up) {
  auto next = std::make_shared<Snapshot>();
  next->up = up;
  next->api_version = api_version_;
  next->info = info_;
  if (up) {
    next->containers.reserve(containers_.size());
    for (const auto& [id, container] : containers_) next->containers.push_back(container);
    std::sort(next->containers.begin(), next->containers.end(),
              [](const Container& a, const Container& b) { return a.name < b.name; });
  }
  {
    std::lock_guard lock(mutex_);
    snapshot_ = std::move(next);
    first_sync_done_ = true;
  }
  wake_.notify_all();
}

void Watcher::sleepFor(std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, duration, [this] { return stop_.load(); });
}

base::Expected<Response, std::string> Watcher::get(Endpoint endpoint, const std::string& target) {
  requests_[static_cast<std::size_t>(endpoint)].fetch_add(1, std::memory_order_relaxed);
  auto response = client_.get(target);
  if (!response) return response;
  if (response->status != 200 && !(endpoint == Endpoint::inspect && response->status == 404)) {
    return unexpected(fmt::format("GET {}: HTTP {}: {}", target, response->status,
                                  response->body.substr(0, 200)));
  }
  return response;
}

base::Expected<bool, std::string> Watcher::refresh(const std::string& prefix,
                                                   const std::string& id) {
  auto response =
      get(Endpoint::inspect, fmt::format("{}/containers/{}/json", prefix, urlEncode(id)));
  if (!response) return unexpected(response.error());
  if (response->status == 404) {  // removed since the event or the list
    containers_.erase(id);
    return true;
  }
  auto container = parseInspect(response->body);
  if (!container) {
    malformed_.fetch_add(1, std::memory_order_relaxed);
    LOG_WARN("malformed answer from Docker", {"container", id}, {"err", container.error()});
    return true;
  }
  containers_[id] = std::move(*container);
  return true;
}

base::Expected<bool, std::string> Watcher::resync(const std::string& prefix) {
  auto list = get(Endpoint::containers, prefix + "/containers/json?all=1");
  if (!list) return unexpected(list.error());
  auto ids = parseContainerIds(list->body);
  if (!ids) {
    malformed_.fetch_add(1, std::memory_order_relaxed);
    return unexpected(ids.error());
  }
  std::map<std::string, Container> previous;
  previous.swap(containers_);
  for (const auto& id : *ids) {
    if (stop_) break;
    auto refreshed = refresh(prefix, id);
    if (!refreshed) {
      containers_.swap(previous);
      return refreshed;
    }
  }
  return true;
}

std::string Watcher::session() {
  auto version_response = get(Endpoint::version, "/version");
  if (!version_response) return version_response.error();
  auto version = parseVersion(version_response->body);
  if (!version) {
    malformed_.fetch_add(1, std::memory_order_relaxed);
    return version.error();
  }
  auto api = negotiateApiVersion(*version);
  if (!api) return api.error();
  api_version_ = *api;
  std::string prefix = "/v" + api_version_;
  auto info_response = get(Endpoint::info, prefix + "/info");
  if (!info_response) return info_response.error();
  auto info = parseInfo(info_response->body);
  if (!info) {
    malformed_.fetch_add(1, std::memory_order_relaxed);
    return info.error();
  }
  info_ = *info;
  LOG_INFO("connected to Docker", {"socket", options_.socket_path}, {"version", version->version},
           {"api_version", api_version_}, {"cgroup_driver", info_.cgroup_driver});

  static const std::string kFilter = urlEncode(R"({"type":["container"]})");
  while (!stop_) {
    // Events from one second before the list are replayed, so a change that
    // lands between the list and the stream is not missed.
    auto since = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count() -
                 1;
    if (auto synced = resync(prefix); !synced) return synced.error();
    publish(true);
    if (stop_) break;
    std::string refresh_error;
    requests_[static_cast<std::size_t>(Endpoint::events)].fetch_add(1, std::memory_order_relaxed);
    auto streamed = client_.streamLines(
        fmt::format("{}/events?since={}&filters={}", prefix, since, kFilter),
        [&](std::string_view line) {
          auto event = parseEvent(line);
          if (!event) {
            malformed_.fetch_add(1, std::memory_order_relaxed);
            return;
          }
          if (event->type != "container" || event->id.empty() || !refresh_error.empty()) return;
          auto action = baseAction(event->action);
          {
            std::lock_guard lock(events_mutex_);
            ++events_[std::string(action)];
          }
          if (action == "destroy") {
            containers_.erase(event->id);
          } else if (changesContainer(action)) {
            if (auto refreshed = refresh(prefix, event->id); !refreshed) {
              refresh_error = refreshed.error();
              return;
            }
          } else {
            return;
          }
          publish(true);
        },
        stop_, Clock::now() + options_.resync_interval);
    if (!streamed) return streamed.error();
    if (!refresh_error.empty()) return refresh_error;
    if (*streamed != 200) return fmt::format("GET /events: HTTP {}", *streamed);
  }
  return {};
}

void Watcher::run() {
  auto backoff = std::chrono::milliseconds(1000);
  std::string last_error;
  while (!stop_) {
    auto started = Clock::now();
    std::string error = session();
    if (stop_) break;
    containers_.clear();
    publish(false);
    // A session that lived a while was healthy: start the backoff over.
    if (Clock::now() - started > std::chrono::seconds(60))
      backoff = std::chrono::milliseconds(1000);
    if (error != last_error) {
      LOG_ERROR("Docker unreachable; container metrics paused until it answers",
                {"socket", options_.socket_path}, {"err", error},
                {"retry_in", fmt::format("{}ms", backoff.count())});
      last_error = error;
    }
    sleepFor(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

}  // namespace docker
