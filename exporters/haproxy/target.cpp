#include "haproxy/target.h"

#include "log/log.h"

namespace haproxy {

Target::Target(ScrapeUri uri, SourceOptions source, MetricOptions metrics)
    : source_(std::move(uri), std::move(source)), metrics_(std::move(metrics)) {}

runtime::Status Target::scrape(runtime::MetricSink& sink) {
  ++scrapes_;
  auto emitCounters = [&](double up) {
    sink.gauge("haproxy_up", "Was the last scrape of HAProxy successful.", up);
    sink.counter("haproxy_exporter_scrapes_total", "Current total HAProxy scrapes.",
                 static_cast<double>(scrapes_.load()));
    sink.counter("haproxy_exporter_csv_parse_failures_total", "Number of errors while parsing CSV.",
                 static_cast<double>(parse_failures_.load()));
  };
  auto fetched = source_.fetch();
  if (!fetched) {
    emitCounters(0);
    return runtime::Status::failure("cannot scrape HAProxy: " + fetched.error());
  }
  auto table = parseStatCsv(fetched->stat);
  if (!table) {
    // An answer that is not the stats CSV (an error page, "Permission
    // denied"): the scrape failed, as a broken CSV does in haproxy_exporter.
    ++parse_failures_;
    emitCounters(0);
    return runtime::Status::failure("cannot parse HAProxy's CSV: " + table.error());
  }
  std::size_t failures = table->parse_failures + emitStats(*table, metrics_, sink);
  if (fetched->info) emitInfo(parseShowInfo(*fetched->info), metrics_, sink);
  if (failures > 0) {
    parse_failures_ += failures;
    LOG_WARN("CSV rows or values HAProxy sent could not be parsed", {"failures", failures},
             {"first", table->problems.empty() ? std::string("a value that is not a number")
                                               : table->problems.front()});
  }
  emitCounters(1);
  return runtime::Status::ok();
}

}  // namespace haproxy
