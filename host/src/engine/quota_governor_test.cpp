#include "engine/quota_governor.hpp"

#include <gtest/gtest.h>

namespace junction::engine {
namespace {

using namespace std::chrono_literals;

struct FakeClock {
  std::chrono::system_clock::time_point now =
      std::chrono::system_clock::time_point(std::chrono::seconds(1764590400));  // 2025-12-01T12:00Z
  QuotaGovernor::Clock clock() {
    return [this] { return now; };
  }
};

TEST(QuotaGovernor, TheAdminsLimitsWinOverTheConnectorsAndTheDaysBudgetIsNeverExceeded) {
  FakeClock t;
  QuotaGovernor g(t.clock());
  g.configure("acct", {0, 0ms, 3});
  const QuotaLimits defaults{0, 0ms, 100};
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(g.spend("acct", defaults, 1, nullptr));
  const auto wait = g.spend("acct", defaults, 1, nullptr);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 12h) << "until 00:00 UTC";
  EXPECT_EQ(g.use_today().at(0).used, 3);
  t.now += 12h;  // the next UTC day
  EXPECT_FALSE(g.spend("acct", defaults, 1, nullptr));
  EXPECT_EQ(g.use_today().at(0).used, 1);
}

TEST(QuotaGovernor, WhatOtherProcessesSavedTodayCounts) {
  FakeClock t;
  QuotaGovernor g(t.clock());
  g.configure("acct", {0, 0ms, 10});
  g.saw_saved("acct", QuotaGovernor::day_of(t.now), 9);
  EXPECT_FALSE(g.spend("acct", {}, 1, nullptr));
  EXPECT_TRUE(g.spend("acct", {}, 1, nullptr));
  g.saw_saved("acct", "2000-01-01", 500);  // another day: ignored
  const auto unsaved = g.take_unsaved();
  ASSERT_EQ(unsaved.size(), 1u);
  EXPECT_EQ(unsaved[0].unsaved, 1);
  EXPECT_EQ(unsaved[0].used, 10);
  EXPECT_TRUE(g.take_unsaved().empty()) << "taken once";
}

TEST(QuotaGovernor, AFullWindowWaitsAndStoppingEndsTheWait) {
  QuotaGovernor g;  // the real clock: the window must pass
  const QuotaLimits limits{2, 200ms, 0};
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(g.spend("w", limits, 1, nullptr));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 200ms) << "the third waited its turn";
  EXPECT_FALSE(g.spend("w", limits, 1, nullptr));
  const auto stopped = g.spend("w", limits, 1, [] { return true; });
  ASSERT_TRUE(stopped);
  EXPECT_EQ(*stopped, 0ms);
}

// A ledger shared with other processes decides; when it fails, this process's own window
// goes on (and keeps the limit).
struct FakeLedger : WindowLedger {
  std::int64_t admitted = 0;
  std::int64_t others = 0;  // admitted by other processes
  bool broken = false;
  std::optional<std::chrono::milliseconds> admit(const std::string &, std::chrono::milliseconds,
                                                 std::int64_t limit,
                                                 std::int64_t requests) override {
    if (broken) throw std::runtime_error("connection lost");
    if (admitted + others + requests > limit) return 5ms;
    admitted += requests;
    return std::nullopt;
  }
};

TEST(QuotaGovernor, ASharedLedgerDecidesAndItsFailureFallsBackToThisProcessesWindow) {
  QuotaGovernor g;
  auto ledger = std::make_shared<FakeLedger>();
  ledger->others = 3;  // another process spent 3 of the 4 in this window
  g.share_windows(ledger);
  const QuotaLimits limits{4, 10s, 0};
  EXPECT_FALSE(g.spend("acct", limits, 1, nullptr));
  EXPECT_EQ(ledger->admitted, 1);
  int asked = 0;
  const auto stopped = g.spend("acct", limits, 1, [&] { return ++asked > 2; });
  ASSERT_TRUE(stopped) << "the shared window is full: it waits until stopped";
  EXPECT_EQ(*stopped, 0ms);
  ledger->broken = true;
  // Its own window holds the one it admitted: three more fit, the fourth waits.
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(g.spend("acct", limits, 1, nullptr));
  EXPECT_TRUE(g.spend("acct", limits, 1, [] { return true; }));
  EXPECT_EQ(g.use_today().at(0).used, 4);
}

}  // namespace
}  // namespace junction::engine
