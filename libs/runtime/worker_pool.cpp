#include "runtime/worker_pool.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace runtime {

struct WorkerPool::State {
  struct Job {
    std::function<void()> run;
    Ticket retire;  // set when the job was given up on: its thread then exits
  };
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<Job> jobs;
  std::size_t threads = 0;  // alive, idle or in a job
  bool stopping = false;
};

WorkerPool::WorkerPool(std::size_t size) : state_(std::make_shared<State>()) {
  std::lock_guard lock(state_->mutex);
  for (std::size_t i = 0; i < std::max<std::size_t>(size, 1); ++i) spawn(state_);
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
    state_->jobs.clear();
  }
  state_->wake.notify_all();
}

void WorkerPool::spawn(const std::shared_ptr<State>& state) {
  ++state->threads;  // caller holds the lock
  // Detached: a thread stuck in a job must not block the pool's destruction;
  // it owns a reference to the shared state and cleans up after itself.
  std::thread([state] {
    std::unique_lock lock(state->mutex);
    while (true) {
      state->wake.wait(lock, [&] { return state->stopping || !state->jobs.empty(); });
      if (state->stopping) break;
      State::Job job = std::move(state->jobs.front());
      state->jobs.pop_front();
      lock.unlock();
      job.run();
      job.run = nullptr;
      lock.lock();
      if (*job.retire) break;  // replaced while stuck

    }
    --state->threads;
  }).detach();
}

WorkerPool::Ticket WorkerPool::post(std::function<void()> job) {
  auto ticket = std::make_shared<std::atomic<bool>>(false);
  {
    std::lock_guard lock(state_->mutex);
    state_->jobs.push_back({std::move(job), ticket});
  }
  state_->wake.notify_one();
  return ticket;
}

void WorkerPool::compensateForStuckJob(const Ticket& ticket) {
  // The caller must know the job has not returned yet (the scraper checks
  // under the lock the job takes to finish), so its thread sees the flag.
  *ticket = true;
  std::lock_guard lock(state_->mutex);
  spawn(state_);
}

std::size_t WorkerPool::threadCount() const {
  std::lock_guard lock(state_->mutex);
  return state_->threads;
}

}  // namespace runtime
