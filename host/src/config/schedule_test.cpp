#include "config/schedule.hpp"

#include <gtest/gtest.h>

namespace junction::config {
namespace {

// Times are written as UTC text so that expectations read like a calendar.
SystemTime at(const std::string &utc) {
  std::tm tm{};
  strptime(utc.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string text(std::optional<SystemTime> t) {
  if (!t) return "never";
  const std::time_t seconds = std::chrono::system_clock::to_time_t(*t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

CronExpression cron(const std::string &expression) {
  std::string why;
  auto c = CronExpression::parse(expression, why);
  EXPECT_TRUE(c.has_value()) << why;
  return *c;
}

TEST(CronExpression, NextMatchesFieldsRangesListsAndSteps) {
  EXPECT_EQ(text(cron("30 2 * * *").next_after(at("2026-12-01T09:10:00Z"), "UTC")),
            "2026-12-02T02:30:00Z");
  EXPECT_EQ(text(cron("*/15 * * * *").next_after(at("2026-12-01T09:10:00Z"), "UTC")),
            "2026-12-01T09:15:00Z");
  EXPECT_EQ(text(cron("0 9-17/4 * * MON-FRI").next_after(at("2026-12-04T17:00:00Z"), "UTC")),
            "2026-12-07T09:00:00Z");  // Friday 17:00 itself is not after itself; Monday 9:00
  EXPECT_EQ(text(cron("0 0 1,15 * *").next_after(at("2026-12-01T00:00:00Z"), "UTC")),
            "2026-12-15T00:00:00Z");
  EXPECT_EQ(text(cron("@yearly").next_after(at("2026-12-01T00:00:00Z"), "UTC")),
            "2027-01-01T00:00:00Z");
  EXPECT_EQ(text(cron("0 12 29 feb *").next_after(at("2026-12-01T00:00:00Z"), "UTC")),
            "2028-02-29T12:00:00Z");
  EXPECT_EQ(text(cron("0 0 * * 7").next_after(at("2026-12-01T00:00:00Z"), "UTC")),
            "2026-12-06T00:00:00Z");  // 7 is Sunday, like 0
}

TEST(CronExpression, BothDayFieldsRestrictedMatchEither) {
  // The 13th or any Friday, as cron does: Friday 2026-12-04 comes first.
  EXPECT_EQ(text(cron("0 0 13 * 5").next_after(at("2026-12-01T00:00:00Z"), "UTC")),
            "2026-12-04T00:00:00Z");
}

TEST(CronExpression, FollowsTheTimeZoneAcrossDaylightSaving) {
  // 02:30 in Berlin: 01:30 UTC in winter, 00:30 UTC in summer.
  const auto daily = cron("30 2 * * *");
  EXPECT_EQ(text(daily.next_after(at("2026-12-01T12:00:00Z"), "Europe/Berlin")),
            "2026-12-02T01:30:00Z");
  EXPECT_EQ(text(daily.next_after(at("2026-07-01T12:00:00Z"), "Europe/Berlin")),
            "2026-07-02T00:30:00Z");
  // 29 March 2026: 02:00 local jumps to 03:00; 02:30 does not exist and runs at the jump.
  EXPECT_EQ(text(daily.next_after(at("2026-03-28T12:00:00Z"), "Europe/Berlin")),
            "2026-03-29T01:00:00Z");
  // 25 October 2026: 02:30 local happens twice; it runs once, the first time.
  const auto first = daily.next_after(at("2026-10-24T12:00:00Z"), "Europe/Berlin");
  EXPECT_EQ(text(first), "2026-10-25T00:30:00Z");
  EXPECT_EQ(text(daily.next_after(*first, "Europe/Berlin")), "2026-10-26T01:30:00Z");
}

TEST(CronExpression, RefusesWhatIsNotAnExpression) {
  std::string why;
  EXPECT_FALSE(CronExpression::parse("* * * *", why));
  EXPECT_NE(why.find("has 4"), std::string::npos) << why;
  EXPECT_FALSE(CronExpression::parse("60 * * * *", why));
  EXPECT_NE(why.find("minute '60'"), std::string::npos) << why;
  EXPECT_FALSE(CronExpression::parse("* * * * 1-", why));
  EXPECT_FALSE(CronExpression::parse("*/0 * * * *", why));
  EXPECT_FALSE(CronExpression::parse("5-1 * * * *", why));
  EXPECT_FALSE(CronExpression::parse("* * * FOO *", why));
  EXPECT_FALSE(CronExpression::parse("0 0 30 2 *", why).value().next_after({}, "UTC"));
}

TEST(Schedule, IntervalsRunAtOnceWhenNeverRunAndThenAfterTheLastStart) {
  std::vector<std::pair<std::string, std::string>> problems;
  const auto s = parse_schedule({{"every", "10m"}}, problems);
  ASSERT_TRUE(problems.empty());
  const auto now = at("2026-12-01T09:00:00Z");
  EXPECT_EQ(text(s.next_due(std::nullopt, now)), "2026-12-01T09:00:00Z");
  EXPECT_EQ(text(s.next_due(at("2026-12-01T08:55:00Z"), now)), "2026-12-01T09:05:00Z");
  EXPECT_EQ(s.describe(), "every 10m");
}

TEST(Schedule, CronCatchesUpOnceAfterTheServiceWasDown) {
  std::vector<std::pair<std::string, std::string>> problems;
  const auto s = parse_schedule({{"cron", "0 2 * * *"}, {"timezone", "UTC"}}, problems);
  ASSERT_TRUE(problems.empty());
  const auto now = at("2026-12-03T09:00:00Z");
  // Last ran two days ago: the run it missed is due now (a time in the past), once.
  EXPECT_EQ(text(s.next_due(at("2026-12-01T02:00:00Z"), now)), "2026-12-02T02:00:00Z");
  EXPECT_EQ(text(s.next_due(std::nullopt, now)), "2026-12-04T02:00:00Z");
}

TEST(Schedule, OnChangeAndManualHaveNoTime) {
  std::vector<std::pair<std::string, std::string>> problems;
  const auto on_change = parse_schedule({{"on_change", true}}, problems);
  EXPECT_TRUE(on_change.on_change);
  EXPECT_FALSE(on_change.next_due(std::nullopt, SystemTime{}));
  EXPECT_EQ(on_change.describe(), "on change");
  const auto manual = parse_schedule(nlohmann::json::object(), problems);
  EXPECT_TRUE(manual.manual());
  EXPECT_EQ(manual.describe(), "manual");
  EXPECT_TRUE(problems.empty());
}

TEST(Schedule, ReportsEveryProblemWithItsPlace) {
  std::vector<std::pair<std::string, std::string>> problems;
  parse_schedule({{"every", "0s"}, {"cron", "* *"}, {"timezone", "Mars/Olympus"}}, problems);
  ASSERT_EQ(problems.size(), 4U);
  EXPECT_EQ(problems[0].first, "/every");
  EXPECT_EQ(problems[1].first, "/cron");  // not an expression
  EXPECT_EQ(problems[2].first, "/cron");  // not both
  EXPECT_EQ(problems[3].first, "/timezone");
  problems.clear();
  parse_schedule({{"every", "1h"}, {"timezone", "Europe/Berlin"}}, problems);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].second.find("only to a cron"), std::string::npos);
}

}  // namespace
}  // namespace junction::config
