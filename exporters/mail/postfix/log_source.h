#pragma once
// Postfix's log, followed in the background and counted into LogMetrics:
// either a file (--postfix.logfile_path; rotation by rename or copytruncate
// is followed, and like postfix_exporter it starts at the END of a file that
// already exists, keeping no positions file) or, with --docker.enable, the
// json-file log of one container (--docker.container.id, an id or a name,
// e.g. Mailcow's postfix-mailcow) under --docker.root.
//
// The postfix collector owns one LogSource for the life of the process (its
// counters outlive scrapes), calls start() once and, on every scrape,
// up(), lastError() and metrics().emit(sink).

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "mail/options.h"
#include "mail/postfix/log_metrics.h"

namespace mail::postfix {

class LogSource {
 public:
  explicit LogSource(const mail::PostfixOptions& options);
  ~LogSource();  // stops the thread promptly
  LogSource(const LogSource&) = delete;
  LogSource& operator=(const LogSource&) = delete;

  // Starts the background thread; a second call does nothing.
  void start();

  // True while the log (file or container log) is open and readable.
  bool up() const;
  // Why up() is false ("" when it is true).
  std::string lastError() const;

  LogMetrics& metrics() { return metrics_; }
  const LogMetrics& metrics() const { return metrics_; }

  // How often the file is polled; tests shorten it. Set before start().
  void setPollIntervalForTesting(int milliseconds) { poll_ms_ = milliseconds; }

 private:
  void run();
  void setState(bool up, std::string error);
  bool sleepFor(int milliseconds);  // false when stopping
  std::string resolvePath();        // the file to follow ("" with lastError set)

  mail::PostfixOptions options_;
  LogMetrics metrics_;
  int poll_ms_ = 250;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool up_ = false;
  std::string error_ = "not started";
  std::string logged_error_;  // the last error written to the log, logged once
  std::thread thread_;
};

}  // namespace mail::postfix
