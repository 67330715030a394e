// A source that reads its next batch on a thread of its own while the host handles the
// current one: for sources whose reading costs real CPU (parsing, decoding), so that a run
// uses a second core. Wrap a source in it in Connector::open_source.
//
// The wrapped source is called by one thread at a time: next() on the read-ahead thread,
// acknowledge() only when no read is in flight. A read that fails is reported by the
// next call to next(), as if it had failed there.
#pragma once

#include <pthread.h>

#include <future>
#include <memory>
#include <string>
#include <utility>

#include "junction/connector.hpp"

namespace junction {

class ReadAheadSource : public Source {
 public:
  explicit ReadAheadSource(std::unique_ptr<Source> inner) : inner_(std::move(inner)) {}
  ~ReadAheadSource() override { settle(); }
  ReadAheadSource(const ReadAheadSource &) = delete;
  ReadAheadSource &operator=(const ReadAheadSource &) = delete;

  void next(SourceBatch &out) override {
    if (!reading_.valid()) start_reading();
    reading_.get();  // rethrows what the read threw
    out.records.swap(ahead_);
    out.cursor = ahead_cursor_;
    out.end = ahead_end_;
    if (!ahead_end_) start_reading();
  }

  void acknowledge(std::string_view cursor) override {
    settle();
    inner_->acknowledge(cursor);
  }

 private:
  void start_reading() {
    reading_ = std::async(std::launch::async, [this] {
      pthread_setname_np(pthread_self(), "read-ahead");  // as shown by top -H, perf
      ahead_.clear();
      ahead_end_ = false;
      SourceBatch batch{ahead_, ahead_cursor_, false};
      inner_->next(batch);
      ahead_end_ = batch.end;
    });
  }
  // Waits for the read in flight; its result (or failure) stays for the next next().
  void settle() {
    if (reading_.valid()) reading_.wait();
  }

  std::unique_ptr<Source> inner_;
  BatchBuilder ahead_;
  std::string ahead_cursor_;
  bool ahead_end_ = false;
  std::future<void> reading_;
};

}  // namespace junction
