// The commands a conformance spec names: a setup command run to completion in a work
// directory, and a fixture server that runs for the whole suite.
#pragma once

#include <sys/types.h>
#include <string>
#include <thread>
#include <vector>

namespace junction::testkit {

// Runs argv in `dir`; returns its exit status, or -1 with `why` set when it could not run.
int run_command(const std::vector<std::string> &argv, const std::string &dir, std::string &why);

class Fixture {
 public:
  Fixture() = default;
  Fixture(const Fixture &) = delete;
  Fixture &operator=(const Fixture &) = delete;
  ~Fixture();

  // Starts argv and waits (up to 30 s) for its first line of output; returns that line's
  // last word, or throws std::runtime_error.
  std::string start(const std::vector<std::string> &argv);

 private:
  pid_t pid_ = -1;
  std::thread drain_;  // reads what the fixture prints after its first line, so it never blocks
};

}  // namespace junction::testkit
