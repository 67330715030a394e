// A live progress line on a terminal: records read and the rate, redrawn a few times a
// second; silent when stderr is not a terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace junction::engine {

class Progress {
 public:
  explicit Progress(bool enabled);
  void start(const std::string &flow);
  void update(std::int64_t read);
  void finish();

 private:
  bool enabled_;
  std::string flow_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_;
  bool drawn_ = false;
};

bool stderr_is_terminal();

}  // namespace junction::engine
