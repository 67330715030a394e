// Runs the state store's writes of a flow run on a thread of their own, in the order they
// were handed over, while the run goes on reading, mapping and delivering the next batch.
// The store session belongs to this thread from the first submit() to the next drain().
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace junction::engine {

class StoreWriter {
 public:
  // At most `max_waiting` jobs wait; submit() blocks beyond that, bounding memory.
  explicit StoreWriter(std::size_t max_waiting = 1);
  // Jobs not yet started are dropped; the running one finishes first.
  ~StoreWriter();
  StoreWriter(const StoreWriter &) = delete;
  StoreWriter &operator=(const StoreWriter &) = delete;

  // Rethrows the failure of an earlier job, if any; after a failure no job runs.
  void submit(std::function<void()> job);
  // Waits until every job handed over has run; rethrows the first failure.
  void drain();

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
