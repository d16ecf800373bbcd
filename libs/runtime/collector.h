#pragma once
// Collectors and their registry, in node_exporter's shape: a collector has a
// name and a default on/off, which gives --collector.<name>,
// --no-collector.<name> and --collector.disable-defaults; its own options live
// under --collector.<name>.*.

#include "runtime/metrics.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace CLI {
class App;
class Option;
}

namespace runtime {

// The outcome of one update: ok, or a message naming what failed (with the
// path). Expected failures are values, never exceptions.
class Status {
 public:
  static Status ok() { return Status(); }
  static Status failure(std::string message) { return Status(std::move(message)); }
  // "Nothing to report on this host" (no hwmon chips, no conntrack module):
  // the collector reports success 0 like node_exporter, but logs at debug.
  static Status noData(std::string message) {
    Status status(std::move(message));
    status.no_data_ = true;
    return status;
  }
  bool isOk() const { return !failed_; }
  bool isNoData() const { return no_data_; }
  const std::string& message() const { return message_; }

 private:
  Status() = default;
  explicit Status(std::string message) : failed_(true), message_(std::move(message)) {}
  bool failed_ = false;
  bool no_data_ = false;
  std::string message_;
};

class Collector {
 public:
  virtual ~Collector() = default;
  // Emits this scrape's metrics. Called from one thread at a time. Metrics
  // emitted before a failure are still served, as node_exporter does.
  virtual Status update(MetricSink& sink) = 0;
};

struct CollectorSpec {
  std::string name;
  bool enabled_by_default = true;
  std::string help;
  // Adds --collector.<name>.* options; called before flags are parsed.
  std::function<void(CLI::App&)> add_flags;
  // Builds the collector once flags are parsed. May throw on bad options
  // (a bad regex): that is a start-up error with a clear message.
  std::function<std::unique_ptr<Collector>()> make;
};

class CollectorRegistry {
 public:
  void add(CollectorSpec spec);
  // Adds the enable/disable flags and every collector's own options.
  void addFlags(CLI::App& app);
  // Collectors chosen by the flags, in name order.
  struct Enabled {
    std::string name;
    std::unique_ptr<Collector> collector;
  };
  std::vector<Enabled> build() const;
  std::vector<std::string> enabledNames() const;
  const std::vector<CollectorSpec>& specs() const { return specs_; }

 private:
  struct Choice {
    bool enabled = false;
    CLI::Option* option = nullptr;  // tells whether the flag was given
  };
  std::vector<CollectorSpec> specs_;
  std::vector<std::unique_ptr<Choice>> choices_;
  bool disable_defaults_ = false;
};

}  // namespace runtime
