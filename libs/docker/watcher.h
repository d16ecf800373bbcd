#pragma once
// Keeps what Docker knows about containers in memory, so a scrape makes no
// API call: a full list-and-inspect at connect and every resync interval, and
// in between the /events stream, where each change (start, die, destroy,
// health_status, oom, rename, ...) re-inspects that one container. When the
// daemon is unreachable the snapshot says so and the watcher reconnects with
// backoff (1 s doubling to 30 s), logging once per distinct error.

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "docker/api.h"
#include "docker/unix_http.h"

namespace docker {

struct Snapshot {
  bool up = false;          // connected and synced
  std::string api_version;  // negotiated, "1.41"
  Info info;
  std::vector<Container> containers;  // sorted by name
};

struct WatcherOptions {
  std::string socket_path = "/var/run/docker.sock";
  std::chrono::milliseconds timeout{5000};
  std::chrono::milliseconds resync_interval{300000};
  std::chrono::milliseconds max_backoff{30000};
};

// The API endpoints counted in container_exporter_docker_api_requests_total.
enum class Endpoint { version, info, containers, inspect, events };
inline constexpr std::array<const char*, 5> kEndpointNames = {"version", "info", "containers",
                                                              "inspect", "events"};

class Watcher {
 public:
  explicit Watcher(WatcherOptions options);
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  void start();
  void stop();

  // The latest state; never null. Cheap: a pointer copy under a lock.
  std::shared_ptr<const Snapshot> snapshot() const;
  // Waits until the first connection attempt has finished (either way).
  bool waitForFirstSync(std::chrono::milliseconds limit) const;

  std::uint64_t requests(Endpoint endpoint) const {
    return requests_[static_cast<std::size_t>(endpoint)].load(std::memory_order_relaxed);
  }
  // Container events by action ("start", "health_status", ...).
  std::map<std::string, std::uint64_t> eventCounts() const;
  // Answers that did not parse (malformed JSON, unexpected shapes).
  std::uint64_t malformedAnswers() const { return malformed_.load(std::memory_order_relaxed); }

 private:
  void run();
  // One connection's life: returns why it ended.
  std::string session();
  base::Expected<Response, std::string> get(Endpoint endpoint, const std::string& target);
  base::Expected<bool, std::string> resync(const std::string& prefix);
  // Re-inspects one container after an event; false when Docker is unreachable.
  base::Expected<bool, std::string> refresh(const std::string& prefix, const std::string& id);
  void publish(bool up);
  void sleepFor(std::chrono::milliseconds duration);

  WatcherOptions options_;
  UnixHttpClient client_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  mutable std::condition_variable wake_;
  bool first_sync_done_ = false;
  std::shared_ptr<const Snapshot> snapshot_;
  // Owned by the watcher thread: the containers by id, and the daemon facts.
  std::map<std::string, Container> containers_;
  std::string api_version_;
  Info info_;
  std::array<std::atomic<std::uint64_t>, kEndpointNames.size()> requests_{};
  std::atomic<std::uint64_t> malformed_{0};
  mutable std::mutex events_mutex_;
  std::map<std::string, std::uint64_t> events_;
};

}  // namespace docker
