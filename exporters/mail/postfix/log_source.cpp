#include "mail/postfix/log_source.h"

#include <sys/stat.h>

#include <chrono>

#include "docker/api.h"
#include "docker/unix_http.h"
#include "log/log.h"
#include "logline/docker_json.h"
#include "tailer/tail.h"

namespace mail::postfix {
namespace {

// Read per poll; a backlog is drained in slices of this size.
constexpr std::size_t kPollBytes = 1 << 20;
// After a rename, the old file is still read this long: the writer (rsyslog)
// keeps its descriptor until logrotate's postrotate tells it to reopen.
constexpr auto kRotationGrace = std::chrono::seconds(2);
// Docker cuts lines at 16 KiB; a Postfix line is never near that, but a
// reassembled one is bounded all the same.
constexpr std::size_t kMaxDockerLine = 64 << 10;

bool isFullContainerId(const std::string& id) {
  if (id.size() != 64) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

}  // namespace

LogSource::LogSource(const mail::PostfixOptions& options) : options_(options) {}

LogSource::~LogSource() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LogSource::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stop_) return;
  thread_ = std::thread([this] { run(); });
}

bool LogSource::up() const {
  std::lock_guard lock(mutex_);
  return up_;
}

std::string LogSource::lastError() const {
  std::lock_guard lock(mutex_);
  return error_;
}

void LogSource::setState(bool up, std::string error) {
  bool log = false;
  std::string where =
      options_.docker_enable ? "docker:" + options_.docker_container_id : options_.logfile_path;
  {
    std::lock_guard lock(mutex_);
    up_ = up;
    error_ = std::move(error);
    // Logged once per distinct error, and once when it clears.
    if (error_ != logged_error_) {
      log = true;
      logged_error_ = error_;
    }
  }
  if (!log) return;
  if (up) {
    LOG_INFO("following the Postfix log", {"source", where});
  } else {
    LOG_ERROR("cannot read the Postfix log", {"source", where}, {"err", lastError()});
  }
}

bool LogSource::sleepFor(int milliseconds) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, std::chrono::milliseconds(milliseconds), [this] { return stop_; });
  return !stop_;
}

std::string LogSource::resolvePath() {
  if (!options_.docker_enable) return options_.logfile_path;
  const std::string& wanted = options_.docker_container_id;
  if (wanted.empty()) {
    setState(false, "--docker.enable needs --docker.container.id");
    return {};
  }
  std::string id = wanted;
  if (!isFullContainerId(wanted) ||
      !exists(options_.docker_root + "/containers/" + wanted + "/" + wanted + "-json.log")) {
    // A name or a short id: the daemon knows which container it is.
    docker::UnixHttpClient client(
        options_.docker_socket,
        std::chrono::milliseconds(static_cast<long>(options_.timeout_seconds * 1000)));
    auto response = client.get("/containers/" + docker::urlEncode(wanted) + "/json");
    if (!response) {
      setState(false, "docker: " + response.error());
      return {};
    }
    if (response->status == 404) {
      setState(false, "docker: no container named " + wanted);
      return {};
    }
    if (response->status != 200) {
      setState(false, "docker: inspect answered HTTP " + std::to_string(response->status));
      return {};
    }
    auto container = docker::parseInspect(response->body);
    if (!container) {
      setState(false, "docker: malformed inspect answer: " + container.error());
      return {};
    }
    if (!container->log_driver.empty() && container->log_driver != "json-file") {
      setState(false, "docker: container " + wanted + " logs with the " + container->log_driver +
                          " driver; only json-file logs can be read");
      return {};
    }
    id = container->id;
  }
  return options_.docker_root + "/containers/" + id + "/" + id + "-json.log";
}

void LogSource::run() {
  bool first_open = true;
  logline::DockerLine docker_line;
  std::string joined;  // a Docker line cut into partial chunks
  auto on_line = [&](std::string_view line, std::uint64_t) {
    if (!options_.docker_enable) {
      metrics_.process(line);
      return;
    }
    if (auto error = logline::parseDockerLine(line, docker_line)) {
      metrics_.process(line);  // not Docker's JSON: counted as unsupported
      return;
    }
    if (docker_line.partial || !joined.empty()) {
      if (joined.size() < kMaxDockerLine) joined.append(docker_line.log);
      if (docker_line.partial) return;
      metrics_.process(joined);
      joined.clear();
      return;
    }
    metrics_.process(docker_line.log);
  };

  while (true) {
    std::string path = resolvePath();
    if (path.empty()) {
      if (!sleepFor(std::max(poll_ms_ * 4, 1000))) return;
      continue;
    }
    // Like postfix_exporter: the lines already in the file at start-up are
    // history, not counted; after a rotation the new file is read from 0.
    std::optional<std::pair<tailer::FileId, std::uint64_t>> resume;
    struct stat info {};
    if (first_open && ::stat(path.c_str(), &info) == 0) {
      resume = std::pair{tailer::FileId{info.st_dev, info.st_ino},
                         static_cast<std::uint64_t>(info.st_size)};
    }
    auto opened = tailer::FileTail::open(path, resume);
    if (!opened) {
      // A log that does not exist yet is read from its start once it does
      // (nothing in it is history); an unreadable one still starts at its end.
      if (first_open && !exists(path)) first_open = false;
      setState(false, opened.error());
      if (!sleepFor(std::max(poll_ms_ * 4, 1000))) return;
      continue;
    }
    first_open = false;
    std::unique_ptr<tailer::FileTail> tail = std::move(*opened);
    std::unique_ptr<tailer::FileTail> old;  // the renamed file, read during the grace
    auto old_until = std::chrono::steady_clock::now();
    setState(true, "");

    while (true) {
      std::size_t bytes = 0;
      if (old) {
        bytes += old->poll(kPollBytes, on_line).bytes;
        if (std::chrono::steady_clock::now() > old_until) {
          old->poll(kPollBytes, on_line);
          old.reset();
        }
      }
      tailer::PollResult result = tail->poll(kPollBytes, on_line);
      bytes += result.bytes;
      if (result.rotated) {
        // Renamed away and a new file is at the path: read on in both.
        auto next = tailer::FileTail::open(path, std::nullopt);
        if (next) {
          old = std::move(tail);
          old_until = std::chrono::steady_clock::now() + kRotationGrace;
          tail = std::move(*next);
          continue;
        }
      }
      if (result.gone) {
        // Deleted (or renamed with nothing new yet): wait for the path to come
        // back, reading what is left; a container recreated has a new id.
        if (!exists(path) && options_.docker_enable) break;
        auto next = tailer::FileTail::open(path, std::nullopt);
        if (next) {
          old = std::move(tail);
          old_until = std::chrono::steady_clock::now() + kRotationGrace;
          tail = std::move(*next);
          setState(true, "");
          continue;
        }
        setState(false, "the log file " + path + " was removed; waiting for it to come back");
      }
      if (bytes == 0 && !sleepFor(poll_ms_)) return;
      if (bytes != 0) {
        std::lock_guard lock(mutex_);
        if (stop_) return;
      }
    }
    setState(false, "the log file " + path + " is gone");
    if (!sleepFor(std::max(poll_ms_ * 4, 1000))) return;
  }
}

}  // namespace mail::postfix
