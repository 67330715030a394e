#include "engine/stage_thread.hpp"

#include <pthread.h>

namespace junction::engine {

StageThread::StageThread(const char *name, std::size_t max_waiting)
    : max_waiting_(max_waiting), thread_([this] { work(); }) {
  pthread_setname_np(thread_.native_handle(), name);
}

StageThread::~StageThread() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    jobs_.clear();
  }
  changed_.notify_all();
  thread_.join();
}

bool StageThread::stopping() {
  std::lock_guard lock(mutex_);
  return stopping_;
}

void StageThread::submit(std::function<void()> job) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return failure_ || jobs_.size() < max_waiting_; });
  if (failure_) std::rethrow_exception(failure_);
  jobs_.push_back(std::move(job));
  changed_.notify_all();
}

void StageThread::drain() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return failure_ || (jobs_.empty() && !busy_); });
  if (failure_) std::rethrow_exception(failure_);
}

void StageThread::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (stopping_) return;
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    busy_ = true;
    lock.unlock();
    changed_.notify_all();  // a submitter waiting for room may go on now
    std::exception_ptr failed;
    try {
      job();
    } catch (...) {
      failed = std::current_exception();
    }
    lock.lock();
    busy_ = false;
    if (failed) {
      failure_ = failed;
      jobs_.clear();
    }
    changed_.notify_all();
  }
}

}  // namespace junction::engine
