#include "file_watch.hpp"

#include <fnmatch.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "junction/errors.hpp"

namespace junction::csv {

FileWatch::~FileWatch() {
  if (fd_ >= 0) ::close(fd_);
}

bool FileWatch::wait(const std::string &dir, const std::string &pattern,
                     std::chrono::milliseconds timeout) {
  if (fd_ < 0) {
    fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd_ < 0) throw_os_error("cannot watch folders for new files", errno);
  }
  auto watch = watches_.find(dir);
  if (watch == watches_.end()) {
    const int wd = ::inotify_add_watch(fd_, dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO);
    if (wd < 0) throw_os_error("cannot watch " + dir + " for new files", errno);
    watch = watches_.emplace(dir, wd).first;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  alignas(inotify_event) char buffer[16384];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) throw_os_error("waiting for new files", errno);
    if (ready <= 0) continue;
    const ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n <= 0) continue;
    bool matched = false;
    for (ssize_t at = 0; at < n;) {
      const auto *event = reinterpret_cast<const inotify_event *>(buffer + at);
      if (event->wd == watch->second && event->len > 0 &&
          ::fnmatch(pattern.c_str(), event->name, FNM_PERIOD) == 0) {
        matched = true;
      }
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
    if (matched) return true;
  }
}

}  // namespace junction::csv
