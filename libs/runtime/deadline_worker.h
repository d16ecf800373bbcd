#pragma once
// A dedicated thread that runs one job at a time, so the caller can wait with
// a deadline. A job stuck in the kernel (a dead NFS server, a hung sysfs
// attribute) cannot be cancelled; the caller stops waiting, the worker stays
// busy, and start() refuses new jobs until the stuck one returns. That keeps
// one thread per stuck source instead of a pile of them.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace runtime {

class DeadlineWorker {
 public:
  using Clock = std::chrono::steady_clock;

  DeadlineWorker();
  // Joins the thread if it is idle; a stuck thread is detached and cleans up
  // after itself when its job returns.
  ~DeadlineWorker();
  DeadlineWorker(const DeadlineWorker&) = delete;
  DeadlineWorker& operator=(const DeadlineWorker&) = delete;

  // Hands the job to the worker. False when the previous job is still running.
  bool start(std::function<void()> job);
  // Waits until the current job is done or the deadline passes.
  bool waitUntil(Clock::time_point deadline);
  bool busy() const;

 private:
  struct State;
  static void loop(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
  std::thread thread_;
};

}  // namespace runtime
