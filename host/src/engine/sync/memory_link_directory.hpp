// Links kept in memory with their indexes by member and by match key: the directory a
// plan reads when the host holds a sync's links in memory (small syncs, tests), and what
// a cycle's plan is folded back into.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/sync/cycle_plan.hpp"

namespace junction::engine::sync {

class MemoryLinkDirectory : public LinkDirectory {
 public:
  MemoryLinkDirectory(const SyncModel &model, std::string country);

  // Adds a link, or replaces the one with its id; a link with a negative id (new in a
  // plan) gets the next free id, returned.
  std::int64_t put(LinkState link);
  const std::map<std::int64_t, LinkState> &links() const { return links_; }

  const LinkState *find_member(std::size_t system, const std::string &key) override;
  std::vector<const LinkState *> find_by_match(std::size_t rule,
                                               const std::string &normalized_key) override;

 private:
  void unindex(std::int64_t id);
  void index_match_keys(const LinkState &link);

  const SyncModel &model_;
  std::string country_;
  std::map<std::int64_t, LinkState> links_;
  std::int64_t next_id_ = 1;
  std::map<std::pair<std::size_t, std::string>, std::int64_t> by_member_;
  // Built on the first match lookup: a cycle that meets no new record never normalizes
  // the match fields of every link.
  bool match_index_built_ = false;
  std::vector<std::unordered_multimap<std::string, std::int64_t>> by_match_;
  // What each link was indexed under, to take it out again.
  std::unordered_map<std::int64_t, std::vector<std::pair<std::size_t, std::string>>> match_keys_;
};

// What applying one write did: the key of a created record, and the fields an update
// could not apply (the system no longer held the expected value).
struct WriteResult {
  bool applied = false;
  std::string key;
  std::vector<std::size_t> refused_fields;
};

// Applies a plan to `links` through `apply` (which writes to the system), settling each
// result; new links get ids. Returns the plan's link ids mapped to the ids they got.
std::map<std::int64_t, std::int64_t> apply_plan_in_memory(
    MemoryLinkDirectory &links, CyclePlan &plan,
    const std::function<WriteResult(const MemberWrite &)> &apply);

}  // namespace junction::engine::sync
