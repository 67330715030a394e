#include "store/commit_writeback.hpp"

#include <junction/early_writeback.hpp>

#include <memory>

namespace junction::store {

CommitWriteback::CommitWriteback(std::vector<std::string> files, std::chrono::milliseconds every)
    : thread_([this, files = std::move(files), every] { work(files, every); }) {}

CommitWriteback::~CommitWriteback() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_requested_.notify_all();
  thread_.join();
}

int CommitWriteback::rounds() const {
  const std::lock_guard lock(mutex_);
  return rounds_;
}

void CommitWriteback::work(const std::vector<std::string> &files, std::chrono::milliseconds every) {
  // Opened on this thread and used by it alone (EarlyWriteback is not shared).
  std::vector<std::unique_ptr<EarlyWriteback>> writebacks;
  writebacks.reserve(files.size());
  for (const auto &f : files) writebacks.push_back(std::make_unique<EarlyWriteback>(f, every / 2));
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    for (auto &w : writebacks) w->nudge();
    lock.lock();
    ++rounds_;
    stop_requested_.wait_for(lock, every, [this] { return stopping_; });
  }
}

}  // namespace junction::store
