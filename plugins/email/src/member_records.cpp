#include "member_records.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <set>

#include "fingerprint.hpp"
#include "junction/errors.hpp"

namespace junction::email {
namespace {

const std::vector<std::string> &standard_fields() {
  static const std::vector<std::string> fields{"email_address", "status", "language",
                                               "vip",           "tags",   "last_changed"};
  return fields;
}

std::string text_of(const nlohmann::json &v) {
  if (v.is_null()) return {};
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string tags_of(const nlohmann::json &member) {
  std::set<std::string> names;
  for (const auto &t : member.value("tags", nlohmann::json::array())) {
    if (t.is_object() && t.contains("name") && t["name"].is_string())
      names.insert(t["name"].get<std::string>());
  }
  std::string out;
  for (const auto &n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

bool is_member_field(std::string_view name) {
  return name == "id" || std::find(standard_fields().begin(), standard_fields().end(), name) !=
                             standard_fields().end();
}

std::vector<std::string> member_fields(const std::vector<std::string> &wanted,
                                       const AudienceSettings &audience) {
  std::vector<std::string> fields{"id"};
  const auto add = [&](const std::string &name) {
    if (std::find(fields.begin(), fields.end(), name) == fields.end()) fields.push_back(name);
  };
  if (wanted.empty()) {
    for (const auto &f : standard_fields()) add(f);
  }
  for (const auto &f : wanted) add(f);
  for (const auto &f : audience.merge_fields) add(f);
  return fields;
}

std::optional<std::int64_t> parse_api_time(const std::string &text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, n = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  std::int64_t seconds = timegm(&tm);
  const std::string rest = text.substr(static_cast<std::size_t>(n));
  if (rest.empty() || rest == "Z") return seconds;
  int oh = 0, om = 0;
  if ((rest[0] == '+' || rest[0] == '-') &&
      std::sscanf(rest.c_str() + 1, "%2d:%2d", &oh, &om) == 2) {
    const std::int64_t offset = (static_cast<std::int64_t>(oh) * 60 + om) * 60;
    return rest[0] == '+' ? seconds - offset : seconds + offset;
  }
  return std::nullopt;
}

std::string api_time(std::int64_t seconds) {
  const std::time_t t = seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[40];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
  return out;
}

std::int64_t last_changed_of(const nlohmann::json &member) {
  const auto t = parse_api_time(member.value("last_changed", ""));
  if (!t) {
    throw TransientError("the email platform sent member " + member.value("id", std::string("?")) +
                         " without a readable last_changed");
  }
  return *t;
}

std::string member_fingerprint(const nlohmann::json &member) {
  const std::string text = member.value("status", "") + '\x1f' + member.value("email_address", "") +
                           '\x1f' + member.value("merge_fields", nlohmann::json::object()).dump() +
                           '\x1f' + text_of(member.value("language", nlohmann::json())) + '\x1f' +
                           text_of(member.value("vip", nlohmann::json())) + '\x1f' +
                           tags_of(member);
  return fnv1a_hex(text);
}

void add_member(BatchBuilder &out, const std::vector<std::string> &fields,
                const nlohmann::json &member, Operation op) {
  const std::string id = member.value("id", std::string());
  const auto row = out.add_record(op, last_changed_of(member) * 1000000, "member/" + id);
  const auto merge = member.value("merge_fields", nlohmann::json::object());
  for (std::size_t f = 0; f < fields.size(); ++f) {
    const std::string &name = fields[f];
    std::string text;
    if (name == "id") {
      text = id;
    } else if (name == "tags") {
      text = tags_of(member);
    } else if (is_member_field(name)) {
      text = text_of(member.value(name, nlohmann::json()));
    } else if (merge.contains(name)) {
      text = text_of(merge[name]);
    }
    out.set(row, f, text.empty() ? Value::null() : Value::string(text));
  }
}

}  // namespace junction::email
