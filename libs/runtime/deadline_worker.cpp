#include "runtime/deadline_worker.h"

namespace runtime {

struct DeadlineWorker::State {
  std::mutex mutex;
  std::condition_variable wake_worker;
  std::condition_variable job_done;
  std::function<void()> job;
  bool busy = false;
  bool stopping = false;
};

DeadlineWorker::DeadlineWorker() : state_(std::make_shared<State>()) {
  thread_ = std::thread(&DeadlineWorker::loop, state_);
}

DeadlineWorker::~DeadlineWorker() {
  bool stuck;
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
    stuck = state_->busy;
  }
  state_->wake_worker.notify_all();
  if (stuck) {
    thread_.detach();  // holds its own reference to the state
  } else {
    thread_.join();
  }
}

void DeadlineWorker::loop(std::shared_ptr<State> state) {
  std::unique_lock lock(state->mutex);
  while (true) {
    state->wake_worker.wait(lock, [&] { return state->stopping || state->job; });
    if (!state->job) return;  // stopping with nothing to do
    std::function<void()> job = std::move(state->job);
    state->job = nullptr;
    lock.unlock();
    job();
    job = nullptr;  // release what the job captured before reporting done
    lock.lock();
    state->busy = false;
    state->job_done.notify_all();
    if (state->stopping) return;
  }
}

bool DeadlineWorker::start(std::function<void()> job) {
  {
    std::lock_guard lock(state_->mutex);
    if (state_->busy) return false;
    state_->busy = true;
    state_->job = std::move(job);
  }
  state_->wake_worker.notify_one();
  return true;
}

bool DeadlineWorker::waitUntil(Clock::time_point deadline) {
  std::unique_lock lock(state_->mutex);
  return state_->job_done.wait_until(lock, deadline, [&] { return !state_->busy; });
}

bool DeadlineWorker::busy() const {
  std::lock_guard lock(state_->mutex);
  return state_->busy;
}

}  // namespace runtime
