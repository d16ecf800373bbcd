// dovecot: Dovecot 2.3's stats service read through its stats-reader socket
// (`DUMP`, what `doveadm stats dump` reads), each configured `metric` block as
// dovecot_<name>_total and dovecot_<name>_duration_seconds_total (the names
// Dovecot's own OpenMetrics listener gives them), plus current sessions by
// protocol from the anvil socket (`CONNECT-DUMP`, what `doveadm who` reads).
// With --dovecot.openmetrics-url the metrics come from Dovecot's own
// OpenMetrics listener instead (same names; label names from the page).

#include <chrono>
#include <filesystem>
#include <mutex>
#include <stdexcept>

#include "httpclient/client.h"
#include "log/log.h"
#include "mail/collectors/collectors.h"
#include "mail/dovecot/stats.h"
#include "sockio/exchange.h"

namespace mail {
namespace {

// The protocols the dashboards chart: always exported, 0 when idle.
constexpr const char* kSessionProtocols[] = {"imap", "pop3", "lmtp", "submission"};

class DovecotCollector : public runtime::Collector {
 public:
  DovecotCollector(const DovecotOptions& options, dovecot::GroupBy group_by)
      : stats_socket_(options.stats_socket),
        anvil_socket_(
            options.anvil_socket.empty()
                ? (std::filesystem::path(options.stats_socket).parent_path() / "anvil").string()
                : options.anvil_socket),
        openmetrics_url_(options.openmetrics_url),
        timeout_(static_cast<long>(options.timeout_seconds * 1000)),
        group_by_(std::move(group_by)) {
    if (!openmetrics_url_.empty())
      http_ = std::make_unique<httpclient::Client>(httpclient::Options{.timeout = timeout_});
  }

  runtime::Status update(runtime::MetricSink& sink) override {
    runtime::Status status = http_ ? readOpenMetrics(sink) : readStatsSocket(sink);
    emitParseErrors(sink);
    return status;
  }

 private:
  runtime::Status readStatsSocket(runtime::MetricSink& sink) {
    auto reply = sockio::unixExchange(
        stats_socket_,
        std::string(dovecot::kStatsHandshake) + std::string(dovecot::kStatsDumpRequest),
        dovecot::statsDumpComplete, timeout_);
    runtime::Status status = runtime::Status::ok();
    bool up = false;
    if (!reply) {
      status = runtime::Status::failure("dovecot stats unreachable: " + reply.error().message);
    } else if (auto dump = dovecot::parseStatsDump(*reply, group_by_); !dump) {
      countParseError(sink, "stats");
      status = runtime::Status::failure("dovecot stats: malformed DUMP reply from " +
                                        stats_socket_ + ": " + dump.error());
    } else {
      up = true;
      emitMetrics(sink, *dump);
    }
    emitUp(sink, up);
    if (up) updateSessions(sink);
    return status;
  }

  runtime::Status readOpenMetrics(runtime::MetricSink& sink) {
    base::Expected<httpclient::Response, httpclient::Error> response =
        base::unexpected(httpclient::Error{});
    {
      std::lock_guard lock(http_mutex_);  // one curl handle, scrapes may overlap
      response = http_->get(openmetrics_url_);
    }
    runtime::Status status = runtime::Status::ok();
    bool up = false;
    if (!response) {
      status = runtime::Status::failure("dovecot OpenMetrics listener " + openmetrics_url_ +
                                        " unreachable: " + response.error().message);
    } else if (response->status != 200) {
      status = runtime::Status::failure("dovecot OpenMetrics listener " + openmetrics_url_ +
                                        " answered HTTP " + std::to_string(response->status));
    } else if (auto page = dovecot::parseOpenMetrics(response->body); !page) {
      countParseError(sink, "openmetrics");
      status = runtime::Status::failure("dovecot OpenMetrics: malformed page from " +
                                        openmetrics_url_ + ": " + page.error());
    } else {
      up = true;
      emitMetrics(sink, page->dump);
      if (!page->version.empty())
        runtime::addSample(
            sink.gauge("dovecot_build_info", "Dovecot's version, from its OpenMetrics listener."),
            1, {{"version", page->version}, {"revision", page->revision}});
    }
    emitUp(sink, up);
    if (up) updateSessions(sink);
    return status;
  }

  void emitUp(runtime::MetricSink& sink, bool up) {
    sink.gauge("dovecot_up",
               "1 when Dovecot's stats (the stats-reader socket, or the OpenMetrics listener when "
               "configured) answered well-formed.",
               up ? 1 : 0);
  }

  void emitMetrics(runtime::MetricSink& sink, const dovecot::Dump& dump) {
    for (const auto& metric : dump.metrics) {
      std::string name = dovecot::prometheusName(metric.name);
      auto& count =
          sink.counter(name + "_total", "Events matched by Dovecot's metric " + metric.name + ".");
      auto& duration = sink.counter(
          name + "_duration_seconds_total",
          "Total duration of the events matched by Dovecot's metric " + metric.name + ".");
      for (const auto& sample : metric.samples) {
        runtime::Labels labels;
        for (size_t i = 0; i < metric.labels.size() && i < sample.values.size(); ++i)
          labels.push_back({metric.labels[i], sample.values[i]});
        runtime::addSample(count, static_cast<double>(sample.count), labels);
        runtime::addSample(duration, static_cast<double>(sample.sum_usecs) / 1e6, labels);
      }
    }
  }

  // Sessions come from anvil, a root-only socket: when it cannot be read the
  // gauge is left out (and said once), the stats metrics still count.
  void updateSessions(runtime::MetricSink& sink) {
    auto reply = sockio::unixExchange(anvil_socket_, dovecot::kAnvilRequest,
                                      dovecot::anvilDumpComplete, timeout_);
    if (!reply) {
      warnOnce(anvil_warned_,
               "dovecot sessions unavailable (the anvil socket needs root or "
               "Dovecot's own user)",
               reply.error().message);
      return;
    }
    auto sessions = dovecot::parseAnvilConnectDump(*reply);
    if (!sessions) {
      countParseError(sink, "anvil");
      warnOnce(anvil_warned_, "dovecot sessions: malformed CONNECT-DUMP reply",
               anvil_socket_ + ": " + sessions.error());
      return;
    }
    anvil_warned_ = false;
    auto& gauge = sink.gauge("dovecot_sessions",
                             "Current sessions by protocol, as Dovecot's anvil counts them "
                             "(doveadm who).");
    for (const char* protocol : kSessionProtocols) sessions->try_emplace(protocol, 0);
    for (const auto& [protocol, count] : *sessions)
      runtime::addSample(gauge, static_cast<double>(count), {{"protocol", protocol}});
  }

  void warnOnce(bool& warned, const char* msg, const std::string& err) {
    if (warned) return;
    warned = true;
    LOG_WARN(msg, {"err", err});
  }

  void countParseError(runtime::MetricSink&, const std::string& source) {
    std::lock_guard lock(mutex_);
    ++parse_errors_[source];
  }

  void emitParseErrors(runtime::MetricSink& sink) {
    std::lock_guard lock(mutex_);
    auto& family = sink.counter("dovecot_exporter_parse_errors_total",
                                "Malformed answers from Dovecot's sockets, by source.");
    for (const char* source : {"stats", "openmetrics", "anvil"})
      runtime::addSample(family, static_cast<double>(parse_errors_[source]), {{"source", source}});
  }

  std::string stats_socket_;
  std::string anvil_socket_;
  std::string openmetrics_url_;
  std::chrono::milliseconds timeout_;
  dovecot::GroupBy group_by_;
  std::unique_ptr<httpclient::Client> http_;  // set when reading the OpenMetrics listener
  std::mutex http_mutex_;
  bool anvil_warned_ = false;
  std::mutex mutex_;
  std::map<std::string, uint64_t> parse_errors_;  // counters: they outlive scrapes
};

}  // namespace

void registerDovecotCollector(runtime::CollectorRegistry& registry, const Options& options) {
  registry.add({.name = "dovecot",
                .enabled_by_default = true,
                .help = "Dovecot 2.3's stats (stats-reader socket or OpenMetrics listener) and "
                        "sessions (anvil socket).",
                .make = [&options]() -> std::unique_ptr<runtime::Collector> {
                  dovecot::GroupBy group_by = dovecot::defaultGroupBy();
                  for (const auto& spec : options.dovecot.group_by) {
                    auto parsed = dovecot::parseGroupBySpec(spec);
                    if (!parsed) throw std::runtime_error("--dovecot.group-by: " + parsed.error());
                    group_by[parsed->first] = parsed->second;
                  }
                  return std::make_unique<DovecotCollector>(options.dovecot, std::move(group_by));
                }});
}

}  // namespace mail
