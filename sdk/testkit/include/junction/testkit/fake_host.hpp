// A host for testing a connector without Junction: implements every service of
// jn_host_api and records what the connector said through it (log lines, the reason of the
// last failure, retry hints, quota requests), so that a test can assert on them.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "junction/abi.h"

namespace junction::testkit {
class FakeHostState;
}

// The ABI leaves the context opaque to plugins; this host's context leads to its state.
struct jn_host_context {
  junction::testkit::FakeHostState *state;
};

namespace junction::testkit {

struct LogLine {
  jn_log_level level;
  std::string message;
};

class FakeHostState {
 public:
  std::mutex mutex;
  std::vector<LogLine> log;
  std::string last_error;  // set_error's latest words, until take_error()
  std::int64_t set_error_calls = 0;
  std::int64_t retry_after_ms = 0;
  std::int64_t quota_requests = 0;
  bool stopping = false;
};

class FakeHost {
 public:
  FakeHost();
  FakeHost(const FakeHost &) = delete;
  FakeHost &operator=(const FakeHost &) = delete;

  const jn_host_api *api() const { return &api_; }
  jn_host_context *context() { return &context_; }

  // The reason the last failing call gave, cleared by reading it.
  std::string take_error();
  std::vector<LogLine> log() const;
  std::int64_t quota_requests() const;
  void set_stopping(bool stopping);

 private:
  mutable FakeHostState state_;
  jn_host_context context_{&state_};
  jn_host_api api_{};
};

}  // namespace junction::testkit
