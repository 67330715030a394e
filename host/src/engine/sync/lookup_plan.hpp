// Which records a cycle looks up in a system it read only in part (its changes since a
// cursor). A record of another system that no link holds yet may be the same real-world
// record as one there that has not changed since, which the cycle therefore did not read:
// matching would miss it and create a duplicate. So such records are looked up by the
// fields of the first match rule the system can compare, and the runner keeps the found
// records whose match key equals the query's. Pure: no I/O.
#pragma once

#include <string>
#include <vector>

#include "engine/sync/cycle_plan.hpp"

namespace junction::engine::sync {

struct LookupQuery {
  std::string match_key;            // normalized, as match_key() gives it
  std::vector<std::string> values;  // per field of the rule: the value sent
};

struct RuleLookups {
  std::size_t rule = 0;
  std::vector<LookupQuery> queries;  // one per distinct match key
};

// Queries for `target`, per match rule in rule order: the observations of other readable
// systems that no link holds, by the first rule whose fields `target` reads and that gives
// them a match key, unless a live link found by that key has a record in `target` already
// (the planner finds it without help).
std::vector<RuleLookups> plan_lookups(const SyncModel &model, LinkDirectory &links,
                                      const std::vector<Observation> &observations,
                                      std::size_t target, const std::string &country);

// The value a lookup sends for one field of a rule: trimmed of white space; under an
// `email` normalizer, the normalized address (systems compare addresses without case).
std::string lookup_value(const std::string &value, const MatchField &field,
                         const std::string &country);

}  // namespace junction::engine::sync
