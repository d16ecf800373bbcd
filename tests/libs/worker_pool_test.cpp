#include "runtime/worker_pool.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

TEST_CASE("a stuck job is made up for, and its thread retires when it returns") {
  runtime::WorkerPool pool(2);
  CHECK(pool.threadCount() == 2);

  std::mutex mutex;
  std::condition_variable cv;
  bool release = false;
  auto ticket = pool.post([&] {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return release; });
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let it start
  pool.compensateForStuckJob(ticket);
  CHECK(pool.threadCount() == 3);

  // Two threads still take work while one is stuck, and neither retires.
  std::atomic<int> done{0};
  for (int i = 0; i < 10; ++i) pool.post([&] { ++done; });
  for (int i = 0; i < 200 && done < 10; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(done == 10);
  CHECK(pool.threadCount() == 3);

  {
    std::lock_guard lock(mutex);
    release = true;
  }
  cv.notify_all();
  for (int i = 0; i < 200 && pool.threadCount() != 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(pool.threadCount() == 2);
}
