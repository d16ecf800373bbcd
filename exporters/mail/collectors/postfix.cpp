// The postfix collector: the mail queue (the showq socket, `postqueue -j` as
// the fallback) as postfix_exporter's histograms plus a plain depth gauge,
// and the log-derived counters of mail::postfix::LogSource, which follows
// the log in the background for the life of the process.
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <mutex>

#include "log/log.h"
#include "mail/collectors/collectors.h"
#include "mail/postfix/log_source.h"
#include "mail/postfix/queue.h"
#include "mail/postfix/queue_client.h"

namespace mail {
namespace {

using postfix::QueuedMessage;

class PostfixCollector : public runtime::Collector {
 public:
  // Built after the flags are parsed, once for the life of the process: the
  // log's counters outlive scrapes.
  explicit PostfixCollector(const PostfixOptions& options)
      : options_(options), log_source_(std::make_unique<postfix::LogSource>(options_)) {
    log_source_->start();
  }

  runtime::Status update(runtime::MetricSink& sink) override {
    auto& up = sink.gauge("postfix_up", "Whether scraping Postfix's metrics was successful.");
    runtime::Status status = updateQueue(sink, up);
    updateLog(sink, up);
    return status;
  }

 private:
  runtime::Status updateQueue(runtime::MetricSink& sink, runtime::MetricFamily& up) {
    // The socket first; postqueue -j only when the socket cannot be opened
    // (no permission, wrong path). A showq that accepts and then fails or
    // stalls is not retried through postqueue, which asks the same showq.
    std::string source = "showq";
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    std::map<std::string, runtime::Histogram> sizes, ages;
    std::map<std::string, std::uint64_t> depth;
    for (auto name : postfix::kQueueNames) {
      sizes[std::string(name)];
      ages[std::string(name)];
      depth[std::string(name)];
    }
    auto count = [&](const QueuedMessage& message) {
      sizes[message.queue].observe(postfix::kSizeBuckets, message.size_bytes);
      ages[message.queue].observe(postfix::kAgeBuckets, now - message.arrival_time);
      ++depth[message.queue];
    };
    // The listing is counted as it streams in, never held whole.
    postfix::ShowqStream stream(count);
    postfix::RawListing raw =
        postfix::streamShowqSocket(options_.showq_path, options_.timeout_seconds, stream);
    postfix::QueueListing listing;
    std::string socket_error;
    if (raw.ok) {
      listing.error = stream.finish();
    } else if (!raw.connected) {
      socket_error = raw.error;
      source = "postqueue";
      raw = postfix::runPostqueue(options_.postqueue_path, "", options_.timeout_seconds);
      if (raw.ok) {
        listing = postfix::parsePostqueueJson(raw.bytes);
        for (const QueuedMessage& message : listing.messages) count(message);
      }
    }

    const bool readable = raw.ok && listing.error.empty();
    runtime::addSample(up, readable ? 1 : 0, {{"path", options_.showq_path}});
    if (raw.ok && !listing.error.empty()) ++parse_errors_[source];
    auto& errors = sink.counter("postfix_showq_parse_errors_total",
                                "Queue listings that did not parse, by source (showq, postqueue).");
    for (const char* name : {"showq", "postqueue"}) {
      runtime::addSample(errors, static_cast<double>(parse_errors_[name]), {{"source", name}});
    }
    if (!readable) {
      std::string why = socket_error.empty() ? "" : socket_error + "; fallback ";
      why += raw.ok ? listing.error : raw.error;
      return runtime::Status::failure("postfix queue unreadable: " + why);
    }
    if (source != last_source_) {
      if (socket_error.empty()) {
        LOG_INFO("postfix queue read", {"source", source}, {"path", options_.showq_path});
      } else {
        LOG_INFO("postfix queue read", {"source", source}, {"path", options_.postqueue_path},
                 {"socket_error", socket_error});
      }
      last_source_ = source;
    }
    runtime::addSample(sink.gauge("postfix_showq_source_info",
                                  "Which source listed the queue: showq (the socket) or postqueue "
                                  "(the `postqueue -j` fallback)."),
                       1, {{"source", source}});

    auto& size_family = sink.family("postfix_showq_message_size_bytes",
                                    "Size of messages in Postfix's message queue, in bytes",
                                    runtime::MetricType::Histogram);
    for (const auto& [queue, histogram] : sizes) {
      runtime::addHistogram(size_family, postfix::kSizeBuckets, histogram, {{"queue", queue}});
    }
    auto& age_family = sink.family("postfix_showq_message_age_seconds",
                                   "Age of messages in Postfix's message queue, in seconds",
                                   runtime::MetricType::Histogram);
    for (const auto& [queue, histogram] : ages) {
      runtime::addHistogram(age_family, postfix::kAgeBuckets, histogram, {{"queue", queue}});
    }
    auto& depth_family =
        sink.gauge("postfix_showq_queue_depth", "Messages in each of Postfix's queues.");
    for (const auto& [queue, count] : depth) {
      runtime::addSample(depth_family, static_cast<double>(count), {{"queue", queue}});
    }
    return runtime::Status::ok();
  }

  void updateLog(runtime::MetricSink& sink, runtime::MetricFamily& up) {
    // postfix_up for the log too, with the log's path (postfix_exporter 0.3+
    // labels postfix_up by path). LogSource logs its own errors once.
    const std::string path =
        options_.docker_enable ? "docker:" + options_.docker_container_id : options_.logfile_path;
    runtime::addSample(up, log_source_->up() ? 1 : 0, {{"path", path}});
    log_source_->metrics().emit(sink);
  }

  PostfixOptions options_;
  std::map<std::string, std::uint64_t> parse_errors_;
  std::string last_source_;
  std::unique_ptr<postfix::LogSource> log_source_;
};

}  // namespace

void registerPostfixCollector(runtime::CollectorRegistry& registry, const Options& options) {
  registry.add(
      {.name = "postfix",
       .enabled_by_default = true,
       .help = "Postfix: the mail queue (showq socket, postqueue -j fallback) and the "
               "log-derived counters.",
       .make = [&options] { return std::make_unique<PostfixCollector>(options.postfix); }});
}

}  // namespace mail
