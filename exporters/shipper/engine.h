#pragma once
// The shipper's engine: finds the files to follow (Docker containers' json
// logs, host files by glob), reads them, runs each line through its target's
// pipeline, batches entries by size and time, pushes them to Loki, and saves
// a file's position only once Loki has accepted every line before it.
//
// Threads: one reader (discovery, tailing, pipelines) and one sender
// (batching, pushing with retries, positions). Between them a queue bounded
// in bytes: when Loki is slow or down the queue fills and the reader stops
// reading (backpressure); the unread bytes wait in the files, and a restart
// resumes from the saved positions. At least once: a line may be sent twice
// only if the shipper dies between Loki's answer and the next position save.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "docker/watcher.h"
#include "logline/partial.h"
#include "loki/client.h"
#include "runtime/metrics.h"
#include "shipper/pipeline/entry.h"
#include "tailer/positions.h"

namespace shipper {

class Pipeline;
class CustomMetrics;
struct PipelineOptions;

// One scrape_config, resolved.
struct Target {
  std::string job;
  bool docker = false;             // docker_sd_configs: every json-file container
  std::vector<std::string> globs;  // static_configs: __path__ patterns
  Labels labels;                   // static labels (without __path__)
  // docker_sd_configs filters, as Docker's list API reads them: every filter
  // must match, any of its values may (label, name, id, status; checked here).
  std::vector<std::pair<std::string, std::vector<std::string>>> docker_filters;
  // Applied to a container's __meta_docker_* labels; false drops the container.
  std::function<bool(Labels&)> relabel;
  // A fresh pipeline for one file (stages such as multiline hold per-file state).
  std::function<std::unique_ptr<Pipeline>(const PipelineOptions&)> make_pipeline;
};

struct EngineOptions {
  std::string hostname;  // the `host` label
  std::string docker_root = "/var/lib/docker";
  docker::WatcherOptions docker;  // used when a target is a docker one
  loki::ClientConfig client;
  Labels external_labels;
  std::size_t batch_bytes = 1 << 20;
  std::chrono::milliseconds batch_wait{1000};
  std::string positions_file;
  std::chrono::milliseconds positions_sync{10000};
  // The backpressure bound: a batch's worth keeps the sender busy (the reader
  // refills faster than Loki takes), and memory small.
  std::size_t queue_bytes = 1 << 20;
  std::chrono::milliseconds poll_interval{250};
  std::chrono::milliseconds glob_interval{10000};
  std::size_t max_line_bytes = 256 << 10;
};

class Engine {
 public:
  Engine(EngineOptions options, std::vector<Target> targets, CustomMetrics* custom_metrics);
  ~Engine();

  // Loads positions (a malformed file is a start-up error) and starts the threads.
  base::Expected<bool, std::string> start();
  // Stops reading, gives the sender up to `grace` to deliver what is queued,
  // and saves positions.
  void stop(std::chrono::milliseconds grace);

  // The shipper's own metrics, Promtail's names.
  void collect(runtime::MetricSink& sink);

  struct FileState;

 private:
  struct Queued;
  struct Tail;
  void readLoop();
  void sendLoop();
  void discover(std::chrono::steady_clock::time_point now);
  void discoverFiles();
  void discoverContainers();
  void openTail(const std::string& path, const Target& target, Labels labels, bool docker,
                std::optional<tailer::FileId> only = std::nullopt, std::uint64_t offset = 0);
  void resumeRotated(const std::string& path, tailer::FileId current, const Target& target,
                     const Labels& labels, bool docker);
  tailer::PollResult pollTail(Tail& tail, std::chrono::steady_clock::time_point now);
  void emit(Tail& tail, LogEntry&& entry);
  void process(Tail& tail, LogEntry&& entry);
  void processJoined(Tail& tail, logline::JoinedLine&& joined);
  void closeTail(Tail& tail);
  void enqueue(Queued&& item);
  void flushOutbox();
  void acknowledge(const std::vector<std::pair<std::shared_ptr<FileState>, std::uint64_t>>& acks);

  EngineOptions options_;
  std::vector<Target> targets_;
  CustomMetrics* custom_metrics_;
  std::string loki_host_;  // the `host` label of Promtail's client metrics
  tailer::Positions positions_;
  std::unique_ptr<docker::Watcher> watcher_;
  std::shared_ptr<const docker::Snapshot> seen_snapshot_;
  std::unique_ptr<loki::Client> client_;

  std::atomic<bool> stop_reading_{false};
  std::atomic<bool> stop_sending_{false};
  std::thread reader_;
  std::thread sender_;

  // The queue between the threads.
  std::mutex queue_mutex_;
  std::condition_variable queue_changed_;
  std::deque<Queued> queue_;
  std::size_t queued_bytes_ = 0;
  bool reader_done_ = false;

  // Reader-owned.
  std::vector<Queued> outbox_;
  std::size_t outbox_bytes_ = 0;
  std::map<std::string, std::unique_ptr<Tail>> tails_;  // by path
  std::vector<std::unique_ptr<Tail>> draining_;         // rotated or deleted, read to the end
  std::chrono::steady_clock::time_point next_glob_{};

  // Metrics.
  mutable std::mutex metrics_mutex_;
  std::map<std::string, std::shared_ptr<FileState>> files_;  // active, by path
  struct Counters;
  std::unique_ptr<Counters> counters_;
};

}  // namespace shipper
