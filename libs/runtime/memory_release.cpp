#include "runtime/memory_release.h"

#include <malloc.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace runtime {
namespace {

class MemoryReleaser {
 public:
  static MemoryReleaser& instance() {
    // Never destroyed: its detached thread uses it until the process ends.
    static MemoryReleaser* releaser = new MemoryReleaser();
    return *releaser;
  }
  void request() {
    {
      std::lock_guard lock(mutex_);
      due_ = std::chrono::steady_clock::now() + kDelay;
      pending_ = true;
    }
    wake_.notify_one();
  }

 private:
  static constexpr std::chrono::milliseconds kDelay{200};
  MemoryReleaser() {
    std::thread([this] { run(); }).detach();
  }
  void run() {
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait(lock, [this] { return pending_; });
      // Until no request has come for kDelay.
      while (wake_.wait_until(lock, due_) != std::cv_status::timeout ||
             std::chrono::steady_clock::now() < due_) {
      }
      pending_ = false;
      lock.unlock();
      malloc_trim(0);
      lock.lock();
    }
  }
  std::mutex mutex_;
  std::condition_variable wake_;
  std::chrono::steady_clock::time_point due_;
  bool pending_ = false;
};

}  // namespace

void releaseFreeMemorySoon() { MemoryReleaser::instance().request(); }

}  // namespace runtime
