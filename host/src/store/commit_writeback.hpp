// Writing out while a large SQLite commit runs. The commit of a transaction that spilled
// pages and wrote some of them again rewrites a header of every frame it put in the WAL
// (SQLite recomputes their checksums), and the checkpoint after it copies the WAL into the
// database: each dirties as many megabytes as the transaction wrote, and each is followed
// by an fsync that would write them all only then. For as long as an instance lives, a
// thread of its own starts the disk's writes of the files (EarlyWriteback) every few
// milliseconds, so that those fsyncs find little left to write.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace junction::store {

class CommitWriteback {
 public:
  explicit CommitWriteback(std::vector<std::string> files,
                           std::chrono::milliseconds every = std::chrono::milliseconds(20));
  // Stops the thread; what it started writing goes on in the kernel.
  ~CommitWriteback();
  CommitWriteback(const CommitWriteback &) = delete;
  CommitWriteback &operator=(const CommitWriteback &) = delete;

  // Rounds of nudges done so far (for tests).
  int rounds() const;

 private:
  void work(const std::vector<std::string> &files, std::chrono::milliseconds every);

  mutable std::mutex mutex_;
  std::condition_variable stop_requested_;
  bool stopping_ = false;
  int rounds_ = 0;
  std::thread thread_;
};

}  // namespace junction::store
