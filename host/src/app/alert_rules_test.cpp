#include "app/alert_rules.hpp"

#include <gtest/gtest.h>

namespace junction::app {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

config::AlertRule rule(const std::string &when) {
  config::AlertRule r;
  r.when = when;
  r.name = when;
  return r;
}

TEST(AlertRules, EachConditionHoldsOnlyBeyondItsThreshold) {
  const SystemTime now = SystemTime{} + hours(1000);
  JobObservation ok;
  ok.job = "members";
  ok.watched_since = now - hours(2);
  ok.last_success = now - minutes(30);
  ok.last_run_read = 100;
  ok.earlier_reads = {90, 110, 100, 95};
  ok.open_errors = 5;
  ok.last_latency_seconds = 0.4;

  auto no_success = rule("no_success_for");
  no_success.duration = hours(1);
  auto queue = rule("error_queue_above");
  queue.count = 5;
  auto volume = rule("volume_unusual");
  auto latency = rule("latency_above");
  latency.duration = std::chrono::milliseconds(500);
  auto budget = rule("budget_used_above");
  budget.percent = 80;
  const std::vector<config::AlertRule> rules = {
      rule("run_failed"), no_success, queue, volume, latency, budget};
  EXPECT_TRUE(evaluate_alerts(rules, {ok}, {{"hubspot", 80, 100}}, now).empty());

  JobObservation bad = ok;
  bad.last_success = now - hours(2);
  bad.open_errors = 6;
  bad.last_run_read = 1001;  // more than 10 x the median 97.5
  bad.last_latency_seconds = 0.6;
  const auto active = evaluate_alerts(rules, {bad}, {{"hubspot", 81, 100}}, now);
  std::vector<std::string> fired;
  for (const auto &a : active) fired.push_back(a.rule + ":" + a.subject);
  EXPECT_EQ(fired, (std::vector<std::string>{"no_success_for:members", "error_queue_above:members",
                                             "volume_unusual:members", "latency_above:members",
                                             "budget_used_above:hubspot"}));
  bad.last_run_read = 9;  // less than a tenth of the median
  bad.last_run_failed = true;
  bad.last_run_message = "the CRM refused the token";
  const auto failed = evaluate_alerts({rule("run_failed"), volume}, {bad}, {}, now);
  ASSERT_EQ(failed.size(), 1U);  // a failed run's volume says nothing
  EXPECT_EQ(failed[0].summary, "members failed: the CRM refused the token");
  bad.last_run_failed = false;
  EXPECT_EQ(evaluate_alerts({volume}, {bad}, {}, now).size(), 1U);
}

TEST(AlertRules, VolumeNeedsHistoryAndRulesCanNameTheirFlows) {
  JobObservation j;
  j.job = "a";
  j.last_run_read = 1000;
  j.earlier_reads = {1, 1};  // two runs are too few to call anything unusual
  EXPECT_TRUE(evaluate_alerts({rule("volume_unusual")}, {j}, {}, SystemTime{}).empty());
  j.earlier_reads = {1, 1, 1};
  auto only_b = rule("volume_unusual");
  only_b.jobs = {"b"};
  EXPECT_TRUE(evaluate_alerts({only_b}, {j}, {}, SystemTime{}).empty());
  EXPECT_EQ(evaluate_alerts({rule("volume_unusual")}, {j}, {}, SystemTime{}).size(), 1U);
}

TEST(AlertTracker, FiresOnceWhenItStartsAndResolvesOnceWhenItEnds) {
  AlertTracker tracker;
  const ActiveAlert failing{"run_failed", "members", "members failed"};
  const SystemTime t0{};
  auto events = tracker.update({failing}, t0);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].status, "firing");
  EXPECT_TRUE(tracker.update({failing}, t0 + minutes(1)).empty());
  events = tracker.update({}, t0 + minutes(2));
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].status, "resolved");
  EXPECT_EQ(events[0].started, t0);
  EXPECT_TRUE(tracker.update({}, t0 + minutes(3)).empty());
}

}  // namespace
}  // namespace junction::app
