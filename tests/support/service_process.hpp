// A long-running program started by a test (the junction service): its output goes to
// files the test can wait on, it can be sent signals, and it is killed if the test forgets.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "run_process.hpp"

namespace junction::testing {

class ServiceProcess {
 public:
  ServiceProcess(const std::string &program, const std::vector<std::string> &args,
                 const std::filesystem::path &output_dir, const ProcessOptions &options = {});
  ~ServiceProcess();
  ServiceProcess(const ServiceProcess &) = delete;
  ServiceProcess &operator=(const ServiceProcess &) = delete;

  std::string out() const;
  std::string err() const;
  // Waits until stdout or stderr holds `text` (true), the process ended, or `limit` passed.
  bool wait_for(const std::string &text, std::chrono::milliseconds limit);
  // How often `text` occurs in stderr.
  int count_in_err(const std::string &text) const;
  void signal(int number) const;
  // Sends SIGTERM and waits up to `limit`; the exit code, or -signal, or -1000 on timeout
  // (then it is killed).
  int stop(std::chrono::milliseconds limit = std::chrono::seconds(60));
  // The exit code once it has ended by itself within `limit`, -1000 otherwise.
  int wait_exit(std::chrono::milliseconds limit);
  bool running() const { return pid_ > 0; }

 private:
  int pid_ = -1;
  int exit_ = -1000;
  std::filesystem::path out_;
  std::filesystem::path err_;
};

}  // namespace junction::testing
