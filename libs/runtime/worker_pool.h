#pragma once
// A few threads that run a scrape's collectors. A job that hangs (a read on a
// dead mount) cannot be cancelled; the scraper tells the pool, which starts a
// replacement thread so the pool keeps its size, and the stuck thread leaves
// the pool when its job finally returns. A handful of threads instead of one
// per collector keeps the exporter's memory and wake-ups small.

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>

namespace runtime {

class WorkerPool {
 public:
  explicit WorkerPool(std::size_t size);
  // Idle threads exit; threads still in a job finish it first, on their own.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Identifies a posted job, for compensateForStuckJob().
  using Ticket = std::shared_ptr<std::atomic<bool>>;
  Ticket post(std::function<void()> job);
  // The job is stuck past its deadline: start a thread to make up for it; the
  // stuck thread exits when the job returns.
  void compensateForStuckJob(const Ticket& ticket);
  std::size_t threadCount() const;

 private:
  struct State;
  static void spawn(const std::shared_ptr<State>& state);
  std::shared_ptr<State> state_;
};

}  // namespace runtime
