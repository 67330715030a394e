// Runs a program to completion with a time limit and captures what it prints.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace junction::testing {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal or the time limit
  int signal = 0;
  std::string out;
  std::string err;
  bool timed_out = false;
};

// `env` entries are added to (or, with an empty value and `unset` true, removed from) the
// current environment.
struct ProcessOptions {
  std::map<std::string, std::string> set_env;
  std::vector<std::string> unset_env;
  std::string working_dir;
  std::chrono::seconds time_limit{60};
};

ProcessResult run_process(const std::string &program, const std::vector<std::string> &args,
                          const ProcessOptions &options = {});

// In a forked child: the options' environment and directory, then `argv[0]` (never returns).
[[noreturn]] void exec_child(std::vector<std::string> &argv, const ProcessOptions &options);

// Starts a program in the background with its output discarded; returns its pid.
int start_process(const std::string &program, const std::vector<std::string> &args,
                  const ProcessOptions &options = {});

// Waits for a started program; returns its exit code, or -signal when a signal ended it.
int wait_process(int pid);

}  // namespace junction::testing
