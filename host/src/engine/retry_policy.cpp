#include "engine/retry_policy.hpp"

#include <junction/duration.hpp>

#include <atomic>
#include <csignal>
#include <thread>

namespace junction::engine {
namespace {

// Lock-free, so a signal handler may set it; read by every thread of a run.
std::atomic<int> stop_flag{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void on_stop_signal(int) {
  stop_flag.store(1);
}

}  // namespace

std::chrono::milliseconds parse_duration(const std::string &text) {
  // The config's checks refused what does not parse; nothing is left to say here.
  return std::chrono::milliseconds(junction::parse_duration_ms(text).value_or(0));
}

RetryPolicy RetryPolicy::from_config(const nlohmann::json &retry) {
  RetryPolicy p;
  if (!retry.is_object()) return p;
  p.max_attempts = retry.value("max_attempts", p.max_attempts);
  if (retry.contains("initial_delay")) p.initial_delay = parse_duration(retry["initial_delay"]);
  if (retry.contains("max_delay")) p.max_delay = parse_duration(retry["max_delay"]);
  if (retry.contains("max_elapsed")) p.max_elapsed = parse_duration(retry["max_elapsed"]);
  return p;
}

std::chrono::milliseconds RetryPolicy::delay(int attempt, std::chrono::milliseconds retry_after,
                                             std::mt19937_64 &random) const {
  long long cap = initial_delay.count();
  for (int i = 2; i < attempt && cap < max_delay.count(); ++i) cap *= 2;
  if (cap > max_delay.count()) cap = max_delay.count();
  std::uniform_int_distribution<long long> pick(0, cap > 0 ? cap : 0);
  const long long chosen = pick(random);
  return std::chrono::milliseconds(std::max(chosen, static_cast<long long>(retry_after.count())));
}

bool sleep_unless_stopped(std::chrono::milliseconds duration) {
  const auto until = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < until) {
    if (stop_requested()) return false;
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
        std::chrono::milliseconds(50), std::chrono::duration_cast<std::chrono::milliseconds>(
                                           until - std::chrono::steady_clock::now())));
  }
  return !stop_requested();
}

void request_stop() {
  stop_flag.store(1);
}
bool stop_requested() {
  return stop_flag.load() != 0;
}

void install_stop_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = &on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
}

}  // namespace junction::engine
