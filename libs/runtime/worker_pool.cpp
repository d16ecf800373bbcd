#include "runtime/worker_pool.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace runtime {

struct WorkerPool::State {
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::function<void()>> jobs;
  std::size_t threads = 0;  // alive, idle or in a job
  std::size_t wanted = 0;   // threads beyond this retire after their job
  bool stopping = false;
};

WorkerPool::WorkerPool(std::size_t size) : state_(std::make_shared<State>()) {
  std::lock_guard lock(state_->mutex);
  state_->wanted = size == 0 ? 1 : size;
  for (std::size_t i = 0; i < state_->wanted; ++i) spawn(state_);
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
      std::function<void()> job = std::move(state->jobs.front());
      state->jobs.pop_front();
      lock.unlock();
      job();
      job = nullptr;
      lock.lock();
      if (state->threads > state->wanted) break;  // we were replaced while stuck
    }
    --state->threads;
  }).detach();
}

void WorkerPool::post(std::function<void()> job) {
  {
    std::lock_guard lock(state_->mutex);
    state_->jobs.push_back(std::move(job));
  }
  state_->wake.notify_one();
}

void WorkerPool::compensateForStuckJob() {
  std::lock_guard lock(state_->mutex);
  // The stuck thread counts in `threads` until it returns; `wanted` stays, so
  // whichever thread finishes a job first while there are too many retires.
  spawn(state_);
}

std::size_t WorkerPool::threadCount() const {
  std::lock_guard lock(state_->mutex);
  return state_->threads;
}

}  // namespace runtime
