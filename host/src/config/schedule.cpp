#include "config/schedule.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>
#include <vector>

#include <cctz/civil_time.h>
#include <cctz/time_zone.h>

#include <junction/duration.hpp>

namespace junction::config {
namespace {

std::string upper(std::string s) {
  for (auto &c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> split(const std::string &text, char by) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, by)) parts.push_back(part);
  if (!text.empty() && text.back() == by) parts.emplace_back();
  return parts;
}

struct FieldSpec {
  const char *name;
  int low;
  int high;
  std::vector<std::string> names;  // names[i] is value low + i
};

std::optional<int> value_of(const std::string &text, const FieldSpec &spec) {
  const std::string u = upper(text);
  for (std::size_t i = 0; i < spec.names.size(); ++i) {
    if (spec.names[i] == u) return spec.low + static_cast<int>(i);
  }
  if (text.empty() || text.size() > 3 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoi(text);
}

// One field into the set of values it allows; `high` may exceed the spec's for
// day-of-week 7 (Sunday), folded by the caller.
bool parse_field(const std::string &text, const FieldSpec &spec, std::vector<bool> &allowed,
                 std::string &why) {
  allowed.assign(static_cast<std::size_t>(spec.high) + 1, false);
  for (const auto &item : split(text, ',')) {
    std::string range = item;
    int step = 1;
    if (const auto slash = item.find('/'); slash != std::string::npos) {
      range = item.substr(0, slash);
      const std::string step_text = item.substr(slash + 1);
      const auto s = value_of(step_text, FieldSpec{spec.name, 0, 0, {}});
      if (!s || *s < 1 || *s > spec.high) {
        why = std::string("the ") + spec.name + " step '" + step_text +
              "' is not a number from 1 to " + std::to_string(spec.high);
        return false;
      }
      step = *s;
    }
    int first = spec.low;
    int last = spec.high;
    if (range != "*") {
      const auto dash = range.find('-');
      const auto a = value_of(range.substr(0, dash), spec);
      const auto b = dash == std::string::npos ? a : value_of(range.substr(dash + 1), spec);
      if (!a || !b || *a < spec.low || *b > spec.high || *a > *b) {
        why = std::string("the ") + spec.name + " '" + item + "' is not a value or range within " +
              std::to_string(spec.low) + "-" + std::to_string(spec.high);
        return false;
      }
      first = *a;
      // "5/15" means from 5 to the end in steps of 15, as in cron.
      last = (dash == std::string::npos && item.find('/') != std::string::npos) ? spec.high : *b;
    }
    for (int v = first; v <= last; v += step) allowed[static_cast<std::size_t>(v)] = true;
  }
  return true;
}

template <std::size_t N>
void fill(std::bitset<N> &bits, const std::vector<bool> &allowed) {
  for (std::size_t i = 0; i < N && i < allowed.size(); ++i) bits[i] = allowed[i];
}

// Loading a zone reads the tz database; cctz caches zones, but the lookup by name is
// guarded here so that threads of the service may share it.
std::optional<cctz::time_zone> zone_named(const std::string &name) {
  static std::mutex guard;
  const std::lock_guard<std::mutex> lock(guard);
  cctz::time_zone zone;
  if (name == "UTC") return cctz::utc_time_zone();
  if (!cctz::load_time_zone(name, &zone)) return std::nullopt;
  return zone;
}

}  // namespace

bool known_time_zone(const std::string &name) {
  return zone_named(name).has_value();
}

std::optional<CronExpression> CronExpression::parse(const std::string &text, std::string &why) {
  static const std::map<std::string, std::string> macros = {
      {"@hourly", "0 * * * *"},  {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
      {"@weekly", "0 0 * * 0"},  {"@monthly", "0 0 1 * *"}, {"@yearly", "0 0 1 1 *"},
      {"@annually", "0 0 1 1 *"}};
  std::string expanded = text;
  if (const auto m = macros.find(text); m != macros.end()) expanded = m->second;
  std::istringstream in(expanded);
  std::vector<std::string> fields;
  for (std::string f; in >> f;) fields.push_back(f);
  if (fields.size() != 5) {
    why =
        "a cron expression has 5 fields (minute hour day-of-month month day-of-week) or is "
        "one of @hourly, @daily, @weekly, @monthly, @yearly; '" +
        text.substr(0, 60) + "' has " + std::to_string(fields.size());
    return std::nullopt;
  }
  static const FieldSpec specs[] = {
      {"minute", 0, 59, {}},
      {"hour", 0, 23, {}},
      {"day of month", 1, 31, {}},
      {"month",
       1,
       12,
       {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
      {"day of week", 0, 7, {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}}};
  CronExpression cron;
  std::vector<bool> allowed;
  for (std::size_t i = 0; i < 5; ++i) {
    if (!parse_field(fields[i], specs[i], allowed, why)) return std::nullopt;
    switch (i) {
      case 0: fill(cron.minutes_, allowed); break;
      case 1: fill(cron.hours_, allowed); break;
      case 2:
        fill(cron.days_, allowed);
        cron.any_day_ = fields[i] == "*";
        break;
      case 3: fill(cron.months_, allowed); break;
      default:
        if (allowed[7]) allowed[0] = true;  // 7 is Sunday too
        fill(cron.weekdays_, allowed);
        cron.any_weekday_ = fields[i] == "*";
        break;
    }
  }
  return cron;
}

std::optional<SystemTime> CronExpression::next_after(SystemTime after,
                                                     const std::string &time_zone) const {
  const auto zone = zone_named(time_zone).value_or(cctz::utc_time_zone());
  const auto after_seconds = std::chrono::time_point_cast<std::chrono::seconds>(after);
  const cctz::civil_minute start = cctz::civil_minute(cctz::convert(after_seconds, zone)) + 1;
  const cctz::civil_day first_day(start);
  constexpr int days_searched = 5 * 366 + 1;
  for (int d = 0; d < days_searched; ++d) {
    const cctz::civil_day day = first_day + d;
    if (!months_[static_cast<std::size_t>(day.month())]) continue;
    const bool dom = days_[static_cast<std::size_t>(day.day())];
    // cctz numbers weekdays from Monday; cron from Sunday.
    const int weekday = (static_cast<int>(cctz::get_weekday(day)) + 1) % 7;
    const bool dow = weekdays_[static_cast<std::size_t>(weekday)];
    const bool day_matches = any_day_ && any_weekday_ ? true
                             : any_day_               ? dow
                             : any_weekday_           ? dom
                                                      : (dom || dow);
    if (!day_matches) continue;
    for (int h = 0; h < 24; ++h) {
      if (!hours_[static_cast<std::size_t>(h)]) continue;
      for (int m = 0; m < 60; ++m) {
        if (!minutes_[static_cast<std::size_t>(m)]) continue;
        const cctz::civil_minute local(day.year(), day.month(), day.day(), h, m);
        if (local < start) continue;
        const auto found = zone.lookup(cctz::civil_second(local));
        const auto when =
            found.kind == cctz::time_zone::civil_lookup::SKIPPED ? found.trans : found.pre;
        if (when > after_seconds) return SystemTime(when);
      }
    }
  }
  return std::nullopt;
}

std::optional<SystemTime> Schedule::next_due(std::optional<SystemTime> last, SystemTime now) const {
  if (every) {
    if (!last) return now;
    return *last + *every;
  }
  if (cron) {
    // Never run: the next time from now. Run before: the first time after that run, which
    // is in the past when the service was down at a scheduled time (it runs once, at once).
    return cron->next_after(last.value_or(now), time_zone);
  }
  return std::nullopt;
}

std::string Schedule::describe() const {
  std::string out;
  const auto add = [&](const std::string &part) { out += (out.empty() ? "" : ", ") + part; };
  if (every) add("every " + text);
  if (cron) add("cron " + text + (time_zone == "UTC" ? "" : " (" + time_zone + ")"));
  if (on_change) add("on change");
  return out.empty() ? "manual" : out;
}

Schedule parse_schedule(const nlohmann::json &schedule,
                        std::vector<std::pair<std::string, std::string>> &problems) {
  Schedule s;
  if (!schedule.is_object()) return s;
  if (const auto every = schedule.find("every"); every != schedule.end() && every->is_string()) {
    if (const auto ms = junction::parse_duration_ms(every->get<std::string>()); ms && *ms > 0) {
      s.every = std::chrono::milliseconds(*ms);
      s.text = every->get<std::string>();
    } else if (std::regex_match(every->get<std::string>(), std::regex("[0-9]+(ms|s|m|h|d)"))) {
      // Of another form, the schema has said so already; here it is the range.
      problems.emplace_back("/every", "'" + every->get<std::string>().substr(0, 40) +
                                          "' is not an interval above 0 of at most 100 years");
    }
  }
  if (const auto cron = schedule.find("cron"); cron != schedule.end() && cron->is_string()) {
    std::string why;
    s.cron = CronExpression::parse(cron->get<std::string>(), why);
    if (!s.cron) problems.emplace_back("/cron", why);
    if (schedule.contains("every"))
      problems.emplace_back("/cron", "give either every or cron, not both");
    if (!s.every) s.text = cron->get<std::string>();
  }
  if (const auto zone = schedule.find("timezone"); zone != schedule.end() && zone->is_string()) {
    s.time_zone = zone->get<std::string>();
    if (!schedule.contains("cron")) {
      problems.emplace_back("/timezone", "a time zone applies only to a cron schedule");
    } else if (!known_time_zone(s.time_zone)) {
      problems.emplace_back("/timezone", "unknown time zone '" + s.time_zone.substr(0, 60) +
                                             "' (an IANA name such as Europe/Berlin, or UTC)");
      s.time_zone = "UTC";
    }
  }
  if (s.cron && !s.cron->next_after(SystemTime{}, s.time_zone)) {
    problems.emplace_back("/cron", "'" + s.text + "' never matches a date");
  }
  s.on_change = schedule.value("on_change", false);
  return s;
}

}  // namespace junction::config
