// When a flow or sync runs under the service: every interval, at the times of a cron
// expression in a time zone, as soon as its source changes, or only when asked. Pure: the
// next time is computed from the previous one, never from a clock of its own.
#pragma once

#include <array>
#include <bitset>
#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace junction::config {

using SystemTime = std::chrono::system_clock::time_point;

// Five fields (minute hour day-of-month month day-of-week) as in crontab(5): numbers,
// names (JAN, MON), '*', ranges, lists and steps; @hourly, @daily (@midnight), @weekly,
// @monthly, @yearly (@annually). When both day fields are restricted, a day matching
// either runs, as cron does.
class CronExpression {
 public:
  // Returns nullopt with `why` set when `text` is not an expression.
  static std::optional<CronExpression> parse(const std::string &text, std::string &why);

  // The first matching minute strictly after `after`, in `time_zone` (an IANA name, checked
  // by parse_schedule). A local time skipped when clocks go forward runs at the transition;
  // a local time that happens twice when they go back runs once, the first time. nullopt
  // when nothing matches within five years (30 February).
  std::optional<SystemTime> next_after(SystemTime after, const std::string &time_zone) const;

 private:
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1..31
  std::bitset<13> months_;   // 1..12
  std::bitset<7> weekdays_;  // 0 = Sunday
  bool any_day_ = true;      // day-of-month is '*'
  bool any_weekday_ = true;  // day-of-week is '*'
};

struct Schedule {
  std::optional<std::chrono::milliseconds> every;
  std::optional<CronExpression> cron;
  std::string time_zone = "UTC";
  bool on_change = false;  // run when the source reports a change or a webhook arrives

  // Neither interval nor cron nor on_change: the flow runs only when asked.
  bool manual() const { return !every && !cron && !on_change; }
  // The next scheduled time after a run that started at `last` (or, never run, after
  // `now`, when an interval is due at once). nullopt: only on demand or on change.
  std::optional<SystemTime> next_due(std::optional<SystemTime> last, SystemTime now) const;
  // "every 10m", "cron 0 2 * * * (Europe/Berlin)", "on change", "manual"; joined by ", ".
  std::string describe() const;
  std::string text;  // what the config said, for describe()
};

// Reads a flow's or sync's "schedule" object; each problem is appended to `problems` as
// (JSON pointer suffix, message).
Schedule parse_schedule(const nlohmann::json &schedule,
                        std::vector<std::pair<std::string, std::string>> &problems);

// Whether `name` is a time zone this machine knows (the system's tz database).
bool known_time_zone(const std::string &name);

}  // namespace junction::config
