// One stage of a flow run's pipeline: runs the jobs handed to it in order, on a thread of
// its own, while the stage before it goes on. What a job uses belongs to this thread from
// its submit() to the next drain().
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace junction::engine {

class StageThread {
 public:
  // At most `max_waiting` jobs wait; submit() blocks beyond that, bounding memory.
  // `name` shows in top -H and perf (at most 15 characters).
  explicit StageThread(const char *name, std::size_t max_waiting = 1);
  // Jobs not yet started are dropped; the running one finishes first.
  ~StageThread();
  StageThread(const StageThread &) = delete;
  StageThread &operator=(const StageThread &) = delete;

  // Rethrows the failure of an earlier job, if any; after a failure no job runs.
  void submit(std::function<void()> job);
  // Waits until every job handed over has run; rethrows the first failure.
  void drain();
  // True once the stage is being destroyed (its waiting jobs dropped).
  bool stopping();

 private:
  void work();

  std::size_t max_waiting_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::function<void()>> jobs_;
  bool busy_ = false;
  bool stopping_ = false;
  std::exception_ptr failure_;
  std::thread thread_;
};

}  // namespace junction::engine
