#include "engine/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace junction::engine {

bool stderr_is_terminal() {
  return ::isatty(STDERR_FILENO) == 1;
}

Progress::Progress(bool enabled) : enabled_(enabled) {}

void Progress::start(const std::string &flow) {
  flow_ = flow;
  started_ = last_ = std::chrono::steady_clock::now();
}

void Progress::update(std::int64_t read) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(200)) return;
  last_ = now;
  const double seconds = std::chrono::duration<double>(now - started_).count();
  std::fprintf(stderr, "\r\033[K%s: %lld records read, %.0f records/s", flow_.c_str(),
               static_cast<long long>(read),
               seconds > 0 ? static_cast<double>(read) / seconds : 0.0);
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::finish() {
  if (enabled_ && drawn_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
  drawn_ = false;
}

}  // namespace junction::engine
