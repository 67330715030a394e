// A source that reads its next batches on a thread of its own while the host handles the
// current one: for sources whose reading costs real CPU (parsing, decoding), so that a run
// uses a second core. Wrap a source in it in Connector::open_source.
//
// One thread reads up to `depth` batches ahead (so that a batch slower to read, or to
// handle, than the others does not leave the other side waiting) and stops at the end of
// what there is to read now; the next call to next() after that reads again. The wrapped
// source is called by one thread at a time: next() on the read-ahead thread, acknowledge()
// only when no read is in flight. A read that fails is reported by the call to next() that
// would have returned its batch, after the batches read before it.
#pragma once

#include <pthread.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "junction/connector.hpp"

namespace junction {

class ReadAheadSource : public Source {
 public:
  explicit ReadAheadSource(std::unique_ptr<Source> inner, std::size_t depth = 3)
      : inner_(std::move(inner)), depth_(depth == 0 ? 1 : depth) {}
  ~ReadAheadSource() override { stop_reading(); }
  ReadAheadSource(const ReadAheadSource &) = delete;
  ReadAheadSource &operator=(const ReadAheadSource &) = delete;

  void next(SourceBatch &out) override {
    std::unique_lock lock(mutex_);
    if (ready_.empty() && !failure_ && !reading_thread_running_) {
      lock.unlock();
      start_reading();
      lock.lock();
    }
    changed_.wait(lock, [&] { return !ready_.empty() || failure_ || !reading_thread_running_; });
    if (ready_.empty()) {
      std::exception_ptr failure = std::exchange(failure_, nullptr);
      lock.unlock();
      join_reader();
      if (failure) std::rethrow_exception(failure);
      out.end = true;  // not reached: the reader ends only after a batch or a failure
      return;
    }
    std::unique_ptr<Slot> slot = std::move(ready_.front());
    ready_.pop_front();
    // The host's previous batch goes into the slot, which the reader clears before reuse.
    out.records.swap(slot->records);
    out.cursor = slot->cursor;
    out.end = slot->end;
    free_.push_back(std::move(slot));
    changed_.notify_all();
  }

  void acknowledge(std::string_view cursor) override {
    std::unique_lock lock(mutex_);
    paused_ = true;
    changed_.wait(lock, [&] { return !read_in_flight_; });
    try {
      inner_->acknowledge(cursor);
    } catch (...) {
      paused_ = false;
      changed_.notify_all();
      throw;
    }
    paused_ = false;
    changed_.notify_all();
  }

 private:
  struct Slot {
    BatchBuilder records;
    std::string cursor;
    bool end = false;
  };

  void start_reading() {
    join_reader();
    const std::lock_guard lock(mutex_);
    stopping_ = false;
    reading_thread_running_ = true;
    reader_ = std::thread([this] { read_until_end(); });
  }

  void read_until_end() {
    pthread_setname_np(pthread_self(), "read-ahead");  // as shown by top -H, perf
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [&] { return stopping_ || (!paused_ && ready_.size() < depth_); });
      if (stopping_) break;
      std::unique_ptr<Slot> slot;
      if (free_.empty()) {
        slot = std::make_unique<Slot>();
      } else {
        slot = std::move(free_.back());
        free_.pop_back();
      }
      read_in_flight_ = true;
      lock.unlock();
      std::exception_ptr failure;
      try {
        slot->records.clear();
        slot->end = false;
        SourceBatch batch{slot->records, slot->cursor, false};
        inner_->next(batch);
        slot->end = batch.end;
      } catch (...) {
        failure = std::current_exception();
      }
      lock.lock();
      read_in_flight_ = false;
      const bool last = failure || slot->end;
      if (failure) {
        failure_ = failure;
        free_.push_back(std::move(slot));
      } else {
        ready_.push_back(std::move(slot));
      }
      changed_.notify_all();
      if (last) break;
    }
    reading_thread_running_ = false;
    changed_.notify_all();
  }

  void stop_reading() {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    join_reader();
  }

  void join_reader() {
    if (reader_.joinable()) reader_.join();
  }

  std::unique_ptr<Source> inner_;
  std::size_t depth_;
  std::mutex mutex_;
  std::condition_variable changed_;  // any of the state below changed
  std::deque<std::unique_ptr<Slot>> ready_;
  std::vector<std::unique_ptr<Slot>> free_;
  std::exception_ptr failure_;
  bool reading_thread_running_ = false;
  bool read_in_flight_ = false;
  bool paused_ = false;
  bool stopping_ = false;
  std::thread reader_;
};

}  // namespace junction
