#include "engine.h"

#include <glob.h>
#include <re2/re2.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <unordered_map>

#include "log/log.h"
#include "logline/docker_json.h"
#include "logline/partial.h"
#include "shipper/pipeline/pipeline.h"

namespace shipper {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t nowNanoseconds() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Loki gets no label starting with "__" (relabel input) and no empty value.
Labels visibleLabels(const Labels& labels) {
  Labels out;
  out.reserve(labels.size());
  for (const auto& [name, value] : labels) {
    if (!name.starts_with("__") && !value.empty()) out.emplace_back(name, value);
  }
  return out;
}

// "http://127.0.0.1:3100/loki/api/v1/push" -> "127.0.0.1:3100", Promtail's `host` label.
std::string hostOf(const std::string& url) {
  auto start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  auto end = url.find('/', start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// Docker's list filters, applied to the watcher's containers.
bool matchesFilters(const docker::Container& container,
                    const std::vector<std::pair<std::string, std::vector<std::string>>>& filters) {
  for (const auto& [name, values] : filters) {
    bool any = false;
    for (const auto& value : values) {
      if (name == "label") {
        auto equals = value.find('=');
        const std::string* found = container.label(value.substr(0, equals));
        any = found && (equals == std::string::npos || *found == value.substr(equals + 1));
      } else if (name == "name") {
        // Docker matches names as a regular expression against "/<name>".
        any = RE2::PartialMatch("/" + container.name, RE2(value, RE2::Quiet));
      } else if (name == "id") {
        any = container.id.starts_with(value);
      } else if (name == "status") {
        any = container.state == value;
      } else {
        any = true;  // named as unsupported at start-up
      }
      if (any) break;
    }
    if (!any) return false;
  }
  return true;
}

constexpr std::array<double, 11> kDurationBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                     0.5,   1,    2.5,   5,    10};

}  // namespace

struct Engine::FileState {
  std::string path;
  tailer::FileId id;
  std::atomic<std::uint64_t> read_bytes{0};
  std::atomic<std::uint64_t> read_lines{0};
  std::atomic<std::uint64_t> size{0};
  std::atomic<std::uint64_t> acked{0};
  std::atomic<bool> closed{false};
  std::atomic<std::uint64_t> final_offset{0};
};

// Label text is shared by the entries of a stream: one string per change of
// labels, not one per line (memory and copies at 200k lines/s).
using SharedLabels = std::shared_ptr<const std::string>;

struct Engine::Queued {
  std::shared_ptr<FileState> file;
  std::uint64_t position = 0;
  bool has_entry = false;
  SharedLabels labels;
  loki::Entry entry;
  // What it holds in memory, roughly: the line plus the object and heap overhead.
  std::size_t bytes() const { return has_entry ? entry.line.size() + 96 : 64; }
};

struct Engine::Tail {
  std::unique_ptr<tailer::FileTail> file;
  std::shared_ptr<FileState> state;
  const Target* target = nullptr;
  Labels labels;  // every entry starts with these
  bool docker = false;
  std::unique_ptr<Pipeline> pipeline;
  // Set by the pipeline when a stage drops an entry: the entry's position
  // may then be saved, once everything before it is delivered.
  std::shared_ptr<bool> dropped = std::make_shared<bool>(false);
  logline::PartialJoiner joiner;
  logline::DockerLine scratch;
  // While the joiner holds a chunk, positions may not pass where it began.
  std::optional<std::uint64_t> held_start;
  std::uint64_t last_end = 0;
  Labels last_labels;  // label text of the previous entry, reused when equal
  SharedLabels last_text;
  Clock::time_point drain_until{};
};

struct Engine::Counters {
  std::mutex mutex;
  std::uint64_t sent_entries = 0, sent_bytes = 0, retries = 0, truncated = 0, malformed = 0;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> dropped;  // reason: entries, bytes
  struct Histogram {
    std::array<std::uint64_t, kDurationBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  std::map<std::string, Histogram> durations;  // by status code
};

Engine::Engine(EngineOptions options, std::vector<Target> targets, CustomMetrics* custom_metrics)
    : options_(std::move(options)),
      targets_(std::move(targets)),
      custom_metrics_(custom_metrics),
      loki_host_(hostOf(options_.client.url)),
      positions_(options_.positions_file),
      counters_(std::make_unique<Counters>()) {
  bool any_docker =
      std::any_of(targets_.begin(), targets_.end(), [](const Target& t) { return t.docker; });
  if (any_docker) watcher_ = std::make_unique<docker::Watcher>(options_.docker);
  client_ = std::make_unique<loki::Client>(options_.client);
}

Engine::~Engine() {
  if (reader_.joinable() || sender_.joinable()) stop(std::chrono::milliseconds(0));
}

base::Expected<bool, std::string> Engine::start() {
  // The positions file's folder is ours to create (/var/lib/tern-shipper).
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(options_.positions_file).parent_path(),
                                      ignored);
  if (auto loaded = positions_.load(); !loaded) return loaded;
  if (watcher_) watcher_->start();
  reader_ = std::thread([this] { readLoop(); });
  sender_ = std::thread([this] { sendLoop(); });
  return true;
}

void Engine::stop(std::chrono::milliseconds grace) {
  stop_reading_ = true;
  if (reader_.joinable()) reader_.join();
  {
    std::unique_lock lock(queue_mutex_);
    reader_done_ = true;
    queue_changed_.notify_all();
    queue_changed_.wait_for(lock, grace, [this] { return queue_.empty(); });
  }
  stop_sending_ = true;
  queue_changed_.notify_all();
  if (sender_.joinable()) sender_.join();
  if (watcher_) watcher_->stop();
  if (auto saved = positions_.save(); !saved) {
    LOG_ERROR("cannot save positions", {"err", saved.error()});
  }
}

// ---------------------------------------------------------------- reading

void Engine::openTail(const std::string& path, const Target& target, Labels labels, bool docker,
                      std::optional<tailer::FileId> only, std::uint64_t offset) {
  base::Expected<std::unique_ptr<tailer::FileTail>, std::string> file =
      std::unique_ptr<tailer::FileTail>();
  tailer::TailOptions tail_options{
      .max_line = docker ? std::max<std::size_t>(options_.max_line_bytes, 64 << 10)
                         : options_.max_line_bytes};
  if (only) {
    file = tailer::FileTail::openAt(path, offset, tail_options);
  } else {
    struct stat info {};
    std::optional<std::pair<tailer::FileId, std::uint64_t>> resume;
    if (::stat(path.c_str(), &info) == 0) {
      tailer::FileId id{info.st_dev, info.st_ino};
      if (auto saved = positions_.find(id)) resume = std::pair{id, saved->offset};
    }
    file = tailer::FileTail::open(path, resume, tail_options);
  }
  if (!file) {
    LOG_WARN("cannot follow file", {"path", path}, {"err", file.error()});
    return;
  }
  auto tail = std::make_unique<Tail>();
  tail->file = std::move(*file);
  tail->state = std::make_shared<FileState>();
  tail->state->path = path;
  tail->state->id = tail->file->id();
  tail->state->acked = tail->file->offset();
  tail->last_end = tail->file->offset();
  tail->target = &target;
  tail->labels = std::move(labels);
  tail->docker = docker;
  if (target.make_pipeline) {
    PipelineOptions pipeline_options;
    pipeline_options.on_drop = [dropped = tail->dropped](const LogEntry&, const std::string&) {
      *dropped = true;
    };
    tail->pipeline = target.make_pipeline(pipeline_options);
  }
  {
    std::lock_guard lock(metrics_mutex_);
    files_[path] = tail->state;
  }
  LOG_INFO("following file", {"path", path}, {"offset", tail->file->offset()});
  if (only) {
    tail->drain_until = Clock::now() + std::chrono::seconds(5);
    draining_.push_back(std::move(tail));
  } else {
    tails_[path] = std::move(tail);
  }
}

// A file we were reading at `path` was rotated while the shipper was
// stopped (Docker's <id>-json.log.1, logrotate's x.log.1): finish it first,
// from its saved position. One no longer found is forgotten.
void Engine::resumeRotated(const std::string& path, tailer::FileId current, const Target& target,
                           const Labels& labels, bool docker) {
  for (const auto& saved : positions_.all()) {
    if (saved.path != path || saved.id == current) continue;
    std::string rotated = tailer::findById(path, saved.id);
    if (rotated.empty()) {
      positions_.erase(saved.id);
    } else {
      openTail(rotated, target, labels, docker, saved.id, saved.offset);
    }
  }
}

void Engine::discoverFiles() {
  for (const auto& target : targets_) {
    for (const auto& pattern : target.globs) {
      glob_t matches{};
      if (::glob(pattern.c_str(), GLOB_NOSORT | GLOB_BRACE, nullptr, &matches) == 0) {
        for (std::size_t i = 0; i < matches.gl_pathc; ++i) {
          std::string path = matches.gl_pathv[i];
          if (tails_.count(path)) continue;
          struct stat info {};
          if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) continue;
          Labels labels = target.labels;
          setLabel(labels, "filename", path);
          resumeRotated(path, tailer::FileId{info.st_dev, info.st_ino}, target, labels, false);
          openTail(path, target, std::move(labels), false);
        }
      }
      globfree(&matches);
    }
  }
}

void Engine::discoverContainers() {
  auto snapshot = watcher_->snapshot();
  if (snapshot == seen_snapshot_) return;
  seen_snapshot_ = snapshot;
  for (const auto& container : snapshot->containers) {
    if (container.log_driver != "json-file" || container.state == "created") continue;
    std::string path =
        options_.docker_root + "/containers/" + container.id + "/" + container.id + "-json.log";
    if (tails_.count(path)) continue;
    for (const auto& target : targets_) {
      if (!target.docker || !matchesFilters(container, target.docker_filters)) continue;
      Labels meta = target.labels;
      setLabel(meta, "__meta_docker_container_id", container.id);
      setLabel(meta, "__meta_docker_container_name", "/" + container.name);
      setLabel(meta, "__meta_docker_container_image", container.image);
      for (const auto& [key, value] : container.labels) {
        setLabel(meta, "__meta_docker_container_label_" + docker::sanitizedLabelName(key), value);
      }
      setLabel(meta, "container_name", container.name);
      if (auto* project = container.label("com.docker.compose.project")) {
        setLabel(meta, "compose_project", *project);
      }
      if (auto* service = container.label("com.docker.compose.service")) {
        setLabel(meta, "compose_service", *service);
      }
      if (target.relabel && !target.relabel(meta)) continue;  // dropped by relabel_configs
      struct stat info {};
      if (::stat(path.c_str(), &info) != 0) continue;
      resumeRotated(path, tailer::FileId{info.st_dev, info.st_ino}, target, meta, true);
      openTail(path, target, std::move(meta), true);
      break;  // one target per container
    }
  }
}

void Engine::discover(Clock::time_point now) {
  if (now >= next_glob_) {
    discoverFiles();
    next_glob_ = now + options_.glob_interval;
  }
  if (watcher_) discoverContainers();
}

// Entries gather in the reader's outbox and move to the queue in bunches:
// one lock and one wake-up per bunch instead of per line.
void Engine::enqueue(Queued&& item) {
  outbox_bytes_ += item.bytes();
  outbox_.push_back(std::move(item));
  if (outbox_bytes_ >= (64 << 10)) flushOutbox();
}

void Engine::flushOutbox() {
  if (outbox_.empty()) return;
  {
    std::lock_guard lock(queue_mutex_);
    queued_bytes_ += outbox_bytes_;
    for (auto& item : outbox_) queue_.push_back(std::move(item));
  }
  outbox_.clear();
  outbox_bytes_ = 0;
  queue_changed_.notify_all();
}

// An entry out of the pipeline onto the queue. Its position never passes a
// Docker partial line the joiner still holds.
void Engine::emit(Tail& tail, LogEntry&& out) {
  std::uint64_t position = out.position;
  if (tail.held_start) position = std::min(position, *tail.held_start);
  if (out.labels != tail.last_labels) {
    tail.last_text =
        std::make_shared<const std::string>(loki::labelsText(visibleLabels(out.labels)));
    tail.last_labels = std::move(out.labels);
  }
  enqueue(
      Queued{tail.state, position, true, tail.last_text, {out.timestamp_ns, std::move(out.line)}});
}

// Runs one entry through the pipeline; a dropped entry still moves the
// position on, once everything before it is delivered.
void Engine::process(Tail& tail, LogEntry&& entry) {
  if (!tail.pipeline) return emit(tail, std::move(entry));
  std::uint64_t position = entry.position;
  *tail.dropped = false;
  tail.pipeline->process(std::move(entry), [&](LogEntry&& out) { emit(tail, std::move(out)); });
  if (*tail.dropped && !tail.held_start) enqueue(Queued{tail.state, position, false, {}, {}});
}

void Engine::processJoined(Tail& tail, logline::JoinedLine&& joined) {
  LogEntry entry{joined.time_ns, std::move(joined.log), tail.labels, {}, joined.cookie};
  setLabel(entry.labels, "stream", joined.stream);
  process(tail, std::move(entry));
}

tailer::PollResult Engine::pollTail(Tail& tail, Clock::time_point now) {
  auto on_line = [&](std::string_view line, std::uint64_t end) {
    std::uint64_t start = tail.last_end;
    tail.last_end = end;
    if (!tail.docker) {
      process(tail, LogEntry{nowNanoseconds(), std::string(line), tail.labels, {}, end});
      return;
    }
    if (auto error = logline::parseDockerLine(line, tail.scratch)) {
      std::lock_guard lock(counters_->mutex);
      ++counters_->malformed;
      return;
    }
    bool was_empty = tail.joiner.empty();
    tail.joiner.add(std::move(tail.scratch), end,
                    [&](logline::JoinedLine&& joined) { processJoined(tail, std::move(joined)); });
    if (tail.joiner.empty()) {
      tail.held_start.reset();
    } else if (was_empty) {
      tail.held_start = start;
    }
  };
  auto result = tail.file->poll(256 << 10, on_line);
  if (tail.pipeline) {
    tail.pipeline->flush(now, [&](LogEntry&& out) { emit(tail, std::move(out)); });
  }
  flushOutbox();
  tail.state->read_bytes += result.bytes;
  tail.state->read_lines += result.lines;
  tail.state->size = result.size;
  if (result.truncated) {
    std::lock_guard lock(counters_->mutex);
    counters_->truncated += result.truncated;
  }
  return result;
}

// Done with a file: what the joiner and the pipeline hold goes out, and a
// last marker lets its position be forgotten once all of it is delivered.
void Engine::closeTail(Tail& tail) {
  tail.held_start.reset();
  tail.joiner.drain([&](logline::JoinedLine&& joined) { processJoined(tail, std::move(joined)); });
  if (tail.pipeline) {
    tail.pipeline->flush(Clock::time_point::max(),
                         [&](LogEntry&& out) { emit(tail, std::move(out)); });
  }
  tail.state->final_offset = tail.file->offset();
  tail.state->closed = true;
  enqueue(Queued{tail.state, tail.file->offset(), false, {}, {}});
  flushOutbox();
  std::lock_guard lock(metrics_mutex_);
  auto found = files_.find(tail.state->path);
  if (found != files_.end() && found->second == tail.state) files_.erase(found);
}

void Engine::readLoop() {
  while (!stop_reading_) {
    auto now = Clock::now();
    discover(now);
    bool busy = false;
    bool full = false;
    for (auto it = tails_.begin(); it != tails_.end() && !stop_reading_;) {
      {
        std::lock_guard lock(queue_mutex_);
        full = queued_bytes_ >= options_.queue_bytes;
      }
      if (full) break;  // backpressure: the files keep what is not read yet
      Tail& tail = *it->second;
      auto result = pollTail(tail, now);
      busy |= result.bytes > 0;
      if (result.rotated || result.gone) {
        // Read the old file a little longer (a writer may not have switched
        // yet), and follow the path's new file at once.
        LOG_INFO(result.rotated ? "file rotated; reading the old one to its end"
                                : "file removed; reading it to its end",
                 {"path", it->first});
        tail.drain_until =
            now + (result.rotated ? std::chrono::seconds(5) : std::chrono::seconds(1));
        std::string path = it->first;
        const Target* target = tail.target;
        Labels labels = tail.labels;
        bool docker = tail.docker;
        draining_.push_back(std::move(it->second));
        it = tails_.erase(it);
        if (result.rotated) openTail(path, *target, std::move(labels), docker);
        continue;
      }
      ++it;
    }
    for (auto it = draining_.begin(); it != draining_.end() && !stop_reading_;) {
      Tail& tail = **it;
      if (pollTail(tail, now).bytes > 0) tail.drain_until = now + std::chrono::seconds(1);
      if (now < tail.drain_until) {
        ++it;
        continue;
      }
      closeTail(tail);
      it = draining_.erase(it);
    }
    if (full) {
      // Wait for the sender to make room rather than a whole poll interval.
      std::unique_lock lock(queue_mutex_);
      queue_changed_.wait_for(lock, options_.poll_interval, [this] {
        return stop_reading_ || queued_bytes_ < options_.queue_bytes;
      });
    } else if (!busy && !stop_reading_) {
      std::this_thread::sleep_for(options_.poll_interval);
    }
  }
}

// ---------------------------------------------------------------- sending

void Engine::acknowledge(
    const std::vector<std::pair<std::shared_ptr<FileState>, std::uint64_t>>& acks) {
  for (const auto& [file, position] : acks) {
    file->acked = position;
    if (file->closed && position >= file->final_offset) {
      positions_.erase(file->id);
    } else {
      positions_.set(file->path, file->id, position);
    }
  }
}

void Engine::sendLoop() {
  auto next_save = Clock::now() + options_.positions_sync;
  std::vector<loki::Stream> streams;
  std::unordered_map<std::string, std::size_t> stream_index;
  while (true) {
    streams.clear();
    stream_index.clear();
    std::map<FileState*, std::pair<std::shared_ptr<FileState>, std::uint64_t>> acks;
    std::size_t batch_bytes = 0, entries = 0, last_stream = 0;
    SharedLabels last_labels;  // held, so its address cannot be reused meanwhile
    {
      std::unique_lock lock(queue_mutex_);
      auto first_wait_until = Clock::now() + options_.positions_sync;
      queue_changed_.wait_until(lock, first_wait_until, [this] {
        return !queue_.empty() || stop_sending_ || reader_done_;
      });
      if (stop_sending_ || (reader_done_ && queue_.empty())) {
        if (queue_.empty() || stop_sending_) break;
      }
      auto batch_deadline = Clock::now() + options_.batch_wait;
      while (batch_bytes < options_.batch_bytes) {
        if (queue_.empty()) {
          if (reader_done_ || stop_sending_) break;
          // The reader may be waiting for room that this batch just made.
          queue_changed_.notify_all();
          if (!queue_changed_.wait_until(lock, batch_deadline, [this] {
                return !queue_.empty() || stop_sending_ || reader_done_;
              })) {
            break;  // batchwait passed
          }
          continue;
        }
        Queued item = std::move(queue_.front());
        queue_.pop_front();
        queued_bytes_ -= item.bytes();
        acks[item.file.get()] = {item.file, item.position};
        if (!item.has_entry) continue;
        // Lines of one file mostly share their labels: skip the hash then.
        std::size_t index;
        if (!streams.empty() && last_labels == item.labels) {
          index = last_stream;
        } else {
          auto [at, inserted] = stream_index.try_emplace(*item.labels, streams.size());
          if (inserted) streams.push_back(loki::Stream{*item.labels, {}});
          index = at->second;
          last_labels = item.labels;
        }
        last_stream = index;
        batch_bytes += item.entry.line.size();
        ++entries;
        streams[index].entries.push_back(std::move(item.entry));
      }
      queue_changed_.notify_all();  // room again for the reader
    }
    std::vector<std::pair<std::shared_ptr<FileState>, std::uint64_t>> ack_list;
    for (auto& [key, ack] : acks) ack_list.push_back(std::move(ack));
    if (entries == 0) {
      acknowledge(ack_list);
    } else {
      auto result = client_->push(streams, stop_sending_, [&](const loki::Attempt& attempt) {
        std::lock_guard lock(counters_->mutex);
        auto& histogram = counters_->durations[std::to_string(attempt.status_code)];
        double seconds = std::chrono::duration<double>(attempt.duration).count();
        for (std::size_t i = 0; i < kDurationBuckets.size(); ++i) {
          if (seconds <= kDurationBuckets[i]) ++histogram.buckets[i];
        }
        ++histogram.count;
        histogram.sum += seconds;
        if (attempt.will_retry) {
          ++counters_->retries;
          LOG_WARN("push to Loki failed; retrying", {"status", attempt.status_code},
                   {"attempt", attempt.number}, {"err", attempt.error});
        }
      });
      if (result.outcome == loki::PushOutcome::stopped) break;  // not delivered: positions stay
      {
        std::lock_guard lock(counters_->mutex);
        if (result.outcome == loki::PushOutcome::sent) {
          counters_->sent_entries += entries;
          counters_->sent_bytes += batch_bytes;
        } else {
          auto& dropped = counters_->dropped[result.reason];
          dropped.first += entries;
          dropped.second += batch_bytes;
          LOG_ERROR("Loki refused a batch; its entries are dropped", {"reason", result.reason},
                    {"status", result.status_code}, {"entries", entries}, {"err", result.error});
        }
      }
      acknowledge(ack_list);
    }
    if (Clock::now() >= next_save && positions_.dirty()) {
      if (auto saved = positions_.save(); !saved) {
        LOG_ERROR("cannot save positions", {"err", saved.error()});
      }
      next_save = Clock::now() + options_.positions_sync;
    }
  }
}

// ---------------------------------------------------------------- metrics

void Engine::collect(runtime::MetricSink& sink) {
  auto& read_bytes = sink.counter("promtail_read_bytes_total", "Number of bytes read.");
  auto& read_lines = sink.counter("promtail_read_lines_total", "Number of lines read.");
  auto& file_bytes = sink.gauge("promtail_file_bytes_total", "Number of bytes total.");
  auto& lag =
      sink.gauge("tern_shipper_position_lag_bytes",
                 "Bytes of the file not yet acknowledged by Loki (size minus saved position).");
  std::size_t active = 0;
  {
    std::lock_guard lock(metrics_mutex_);
    active = files_.size();
    for (const auto& [path, file] : files_) {
      runtime::Labels labels = {{"path", path}};
      runtime::addSample(read_bytes, static_cast<double>(file->read_bytes.load()), labels);
      runtime::addSample(read_lines, static_cast<double>(file->read_lines.load()), labels);
      runtime::addSample(file_bytes, static_cast<double>(file->size.load()), labels);
      std::uint64_t size = file->size.load(), acked = file->acked.load();
      runtime::addSample(lag, static_cast<double>(size > acked ? size - acked : 0), labels);
    }
  }
  sink.gauge("promtail_files_active_total", "Number of active files.", static_cast<double>(active));
  {
    std::lock_guard lock(queue_mutex_);
    sink.gauge("tern_shipper_queue_bytes",
               "Bytes read and waiting to be sent; reading pauses at the bound.",
               static_cast<double>(queued_bytes_));
  }
  runtime::Labels host = {{"host", loki_host_}};
  std::lock_guard lock(counters_->mutex);
  sink.counter("promtail_sent_entries_total", "Number of log entries sent to the ingester.",
               static_cast<double>(counters_->sent_entries), host);
  sink.counter("promtail_sent_bytes_total", "Number of bytes sent.",
               static_cast<double>(counters_->sent_bytes), host);
  sink.counter("promtail_batch_retries_total", "Number of times batches has had to be retried.",
               static_cast<double>(counters_->retries), host);
  auto& dropped_entries = sink.counter(
      "promtail_dropped_entries_total",
      "Number of log entries dropped because failed to be sent to the ingester after all retries.");
  auto& dropped_bytes = sink.counter(
      "promtail_dropped_bytes_total",
      "Number of bytes dropped because failed to be sent to the ingester after all retries.");
  for (const auto& [reason, counts] : counters_->dropped) {
    runtime::Labels labels = {{"host", loki_host_}, {"reason", reason}};
    runtime::addSample(dropped_entries, static_cast<double>(counts.first), labels);
    runtime::addSample(dropped_bytes, static_cast<double>(counts.second), labels);
  }
  sink.counter("tern_shipper_lines_truncated_total",
               "Lines longer than the line limit, cut to it (the rest of the line is skipped).",
               static_cast<double>(counters_->truncated));
  sink.counter("tern_shipper_malformed_lines_total",
               "Docker log lines that are not Docker's JSON, skipped.",
               static_cast<double>(counters_->malformed));
  auto& durations = sink.family("promtail_request_duration_seconds", "Duration of send requests.",
                                runtime::MetricType::Histogram);
  for (const auto& [status, histogram] : counters_->durations) {
    prometheus::ClientMetric metric;
    metric.label = {{"host", loki_host_}, {"status_code", status}};
    metric.histogram.sample_count = histogram.count;
    metric.histogram.sample_sum = histogram.sum;
    for (std::size_t i = 0; i < kDurationBuckets.size(); ++i) {
      metric.histogram.bucket.push_back({histogram.buckets[i], kDurationBuckets[i]});
    }
    metric.histogram.bucket.push_back({histogram.count, std::numeric_limits<double>::infinity()});
    durations.metric.push_back(std::move(metric));
  }
  if (watcher_) {
    sink.gauge("tern_shipper_docker_up", "1 when the Docker daemon answers.",
               watcher_->snapshot()->up ? 1 : 0);
  }
}

}  // namespace shipper
