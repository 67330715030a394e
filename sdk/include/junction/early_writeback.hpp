// Starts writing a file's dirty pages to disk while a long transaction goes on, so that
// the fsync of its commit finds little left to write: the disk works beside the CPU
// instead of after it. For a database file (or its WAL) that one connection fills during
// a run of many batches; call nudge() after each batch.
//
// On Linux: sync_file_range(SYNC_FILE_RANGE_WRITE), which starts the writes and waits for
// none of them. It promises nothing about durability (the commit's own fsync still does
// that) and changes nothing in the file. Elsewhere nudge() does nothing.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <utility>

namespace junction {

class EarlyWriteback {
 public:
  // `path` need not exist yet (a WAL appears with the first write); it is opened, read-only,
  // at the first nudge that finds it.
  explicit EarlyWriteback(std::string path,
                          std::chrono::milliseconds every = std::chrono::milliseconds(50))
      : path_(std::move(path)), every_(every) {}
  ~EarlyWriteback() {
    if (fd_ >= 0) ::close(fd_);
  }
  EarlyWriteback(const EarlyWriteback &) = delete;
  EarlyWriteback &operator=(const EarlyWriteback &) = delete;

  // At most once per `every`: starts writing what the file has dirty in memory. Returns
  // whether it did (false: too soon, no such file, or not supported here).
  bool nudge() {
#ifdef __linux__
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < every_) return false;
    last_ = now;
    if (fd_ < 0) fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd_ < 0) return false;
    return ::sync_file_range(fd_, 0, 0, SYNC_FILE_RANGE_WRITE) == 0;
#else
    return false;
#endif
  }

 private:
  std::string path_;
  std::chrono::milliseconds every_;
  std::chrono::steady_clock::time_point last_{};
  int fd_ = -1;
};

}  // namespace junction
