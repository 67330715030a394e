#include "engine/sync/lookup_plan.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "engine/sync/normalizers.hpp"

namespace junction::engine::sync {
namespace {

bool target_compares(const SyncModel &model, const MatchRule &rule, std::size_t target) {
  const auto &reads = model.systems[target].reads;
  return !rule.fields.empty() &&
         std::all_of(rule.fields.begin(), rule.fields.end(),
                     [&](const MatchField &f) { return f.field < reads.size() && reads[f.field]; });
}

bool known_in_target(LinkDirectory &links, std::size_t rule, const std::string &key,
                     std::size_t target) {
  for (const LinkState *link : links.find_by_match(rule, key)) {
    if (link->deleted || link->members.size() <= target) continue;
    if (link->members[target] && !link->members[target]->deleted) return true;
  }
  return false;
}

}  // namespace

std::string lookup_value(const std::string &value, const MatchField &field,
                         const std::string &country) {
  if (std::find(field.normalizers.begin(), field.normalizers.end(), "email") !=
      field.normalizers.end()) {
    if (auto email = normalize_for_match(value, {"email"}, country)) return *email;
  }
  const auto first = value.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = value.find_last_not_of(" \t\r\n");
  return value.substr(first, last - first + 1);
}

std::vector<RuleLookups> plan_lookups(const SyncModel &model, LinkDirectory &links,
                                      const std::vector<Observation> &observations,
                                      std::size_t target, const std::string &country) {
  std::vector<RuleLookups> out;
  if (target >= model.systems.size() || !model.systems[target].readable()) return out;
  std::map<std::size_t, std::size_t> slot;  // rule -> index in out
  std::set<std::pair<std::size_t, std::string>> asked;
  for (const Observation &o : observations) {
    if (o.system == target || o.deleted || o.system >= model.systems.size() ||
        !model.systems[o.system].readable() || links.find_member(o.system, o.key) != nullptr) {
      continue;
    }
    for (std::size_t r = 0; r < model.match.size(); ++r) {
      const MatchRule &rule = model.match[r];
      if (!target_compares(model, rule, target)) continue;
      const auto key = match_key(rule, o.values, country);
      if (!key) continue;
      if (asked.insert({r, *key}).second && !known_in_target(links, r, *key, target)) {
        LookupQuery query{*key, {}};
        for (const MatchField &f : rule.fields) {
          const Value &v = o.values[f.field];  // present: the rule gave a key
          query.values.push_back(lookup_value(*v, f, country));
        }
        auto [it, added] = slot.emplace(r, out.size());
        if (added) out.push_back({r, {}});
        out[it->second].queries.push_back(std::move(query));
      }
      break;  // one lookup per record: by the first rule the target can answer
    }
  }
  return out;
}

}  // namespace junction::engine::sync
