#include "engine/retry_policy.hpp"

#include <algorithm>

#include <gtest/gtest.h>

namespace junction::engine {
namespace {

using std::chrono::milliseconds;

// The documented backoff: before attempt n (2 for the first retry), a uniformly random
// wait up to min(max_delay, initial_delay * 2^(n-2)), never shorter than the target asked.
TEST(RetryPolicy, WaitsAreFullJitterUpToADoublingCappedBound) {
  const auto policy = RetryPolicy::from_config(
      {{"initial_delay", "100ms"}, {"max_delay", "1s"}, {"max_attempts", 10}});
  std::mt19937_64 random(7);
  const std::vector<std::pair<int, long long>> bounds = {
      {2, 100}, {3, 200}, {4, 400}, {5, 800}, {6, 1000}, {7, 1000}, {60, 1000}, {100000, 1000}};
  for (const auto &[attempt, bound] : bounds) {
    long long lowest = bound, highest = 0;
    for (int i = 0; i < 2000; ++i) {
      const long long wait = policy.delay(attempt, milliseconds(0), random).count();
      ASSERT_GE(wait, 0) << "attempt " << attempt;
      ASSERT_LE(wait, bound) << "attempt " << attempt;
      lowest = std::min(lowest, wait);
      highest = std::max(highest, wait);
    }
    // Spread over the whole range, not a fixed wait.
    EXPECT_LE(lowest, bound / 10) << "attempt " << attempt;
    EXPECT_GE(highest, bound * 9 / 10) << "attempt " << attempt;
  }
}

TEST(RetryPolicy, ATargetsRetryAfterIsTheShortestWait) {
  const auto policy = RetryPolicy::from_config({{"initial_delay", "10ms"}, {"max_delay", "50ms"}});
  std::mt19937_64 random(7);
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(policy.delay(3, milliseconds(5000), random), milliseconds(5000));
    EXPECT_GE(policy.delay(3, milliseconds(15), random), milliseconds(15));
  }
}

TEST(RetryPolicy, ReadsItsSettingsAndKeepsTheDocumentedDefaults) {
  const auto defaults = RetryPolicy::from_config(nlohmann::json::object());
  EXPECT_EQ(defaults.max_attempts, 5);
  EXPECT_EQ(defaults.initial_delay, milliseconds(500));
  EXPECT_EQ(defaults.max_delay, milliseconds(30000));
  EXPECT_EQ(defaults.max_elapsed, milliseconds(120000));
  const auto set = RetryPolicy::from_config(
      {{"max_attempts", 8}, {"initial_delay", "2s"}, {"max_delay", "1m"}, {"max_elapsed", "1h"}});
  EXPECT_EQ(set.max_attempts, 8);
  EXPECT_EQ(set.initial_delay, milliseconds(2000));
  EXPECT_EQ(set.max_delay, milliseconds(60000));
  EXPECT_EQ(set.max_elapsed, milliseconds(3600000));
}

}  // namespace
}  // namespace junction::engine
