// How a flow retries what failed transiently: exponential backoff with full jitter,
// bounded by attempts and by elapsed time, never sooner than the target asked.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

#include <nlohmann/json.hpp>

namespace junction::engine {

struct RetryPolicy {
  int max_attempts = 5;  // including the first
  std::chrono::milliseconds initial_delay{500};
  std::chrono::milliseconds max_delay{30000};
  std::chrono::milliseconds max_elapsed{120000};  // give up on a record after this long

  // From a flow's "retry" object (durations like "500ms", "2s", "5m").
  static RetryPolicy from_config(const nlohmann::json &retry);

  // The wait before attempt `attempt` (2 for the first retry): a uniformly random time up
  // to min(max_delay, initial_delay * 2^(attempt-2)), but at least `retry_after`.
  std::chrono::milliseconds delay(int attempt, std::chrono::milliseconds retry_after,
                                  std::mt19937_64 &random) const;
};

std::chrono::milliseconds parse_duration(const std::string &text);

// Sleeps, waking early when a stop was requested; false if it was.
bool sleep_unless_stopped(std::chrono::milliseconds duration);

// Set from signal handlers (SIGTERM, SIGINT): finish the current batch, then stop.
void request_stop();
bool stop_requested();
void install_stop_signal_handlers();

}  // namespace junction::engine
