// One cycle of a sync, planned without touching anything: which records read this cycle
// belong to which link (found, matched or new), the field-level three-way merge of each
// link against its base, and the writes, deletes and reviews that follow. The runner
// applies the writes and settles each one's result into the link state; `plan` prints it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/sync/sync_model.hpp"

namespace junction::engine::sync {

// What the planner asks of the host's state: links by member and by match key.
class LinkDirectory {
 public:
  virtual ~LinkDirectory() = default;
  // The link holding `system`'s member `key`, if any.
  virtual const LinkState *find_member(std::size_t system, const std::string &key) = 0;
  // Live links whose base values give `normalized_key` under match rule `rule`.
  virtual std::vector<const LinkState *> find_by_match(std::size_t rule,
                                                       const std::string &normalized_key) = 0;
};

struct FieldWrite {
  std::size_t field = 0;
  Value value;
  // The hash of what the host believes the system holds, for a write that only applies
  // while the system still holds it (an edit made during the cycle is never overwritten).
  std::optional<std::uint64_t> expected;
  // That value itself, when the host has it (read this cycle, or the agreed value the
  // system was known to hold): what a connector compares before writing.
  std::optional<Value> expected_value;
};

enum class WriteKind { create, update, remove };

struct MemberWrite {
  std::int64_t link = 0;  // a new link's id is negative until the store gives it one
  std::size_t system = 0;
  WriteKind kind = WriteKind::update;
  std::string key;  // empty for a create: the system assigns it
  std::vector<FieldWrite> fields;
  // A delete: what the record should still hold for it to go (values of the fields the
  // system reads, as the host believes them); an edit made meanwhile keeps it.
  std::vector<FieldWrite> guards;
};

// Why a field took the value it took this cycle, for the audit: kept for fields that
// several systems changed or whose owner decided (a change from one side needs no reason).
enum class Rule {
  one_side,      // changed in one system only (or to the same value in several)
  owner,         // its owner's change won over others
  owner_revert,  // a change by a system that does not own the field was reverted
  newest,        // several systems changed it; the newest change won
  delete_wins,   // a delete won over updates (or nothing else changed)
  update_wins,   // updates won over a delete: the record is created again there
};

struct Decision {
  std::int64_t link = 0;
  std::optional<std::size_t> field;  // none for a delete decision
  Rule rule = Rule::one_side;
  std::vector<std::size_t> changed_in;  // systems whose change was considered
  std::size_t winner = 0;
};

enum class ReviewKind { ambiguous_match, conflict, held_change, delete_conflict };

struct ReviewItem {
  ReviewKind kind = ReviewKind::conflict;
  std::int64_t link = 0;  // 0 for an ambiguous match (no link yet)
  std::optional<std::size_t> field;
  std::size_t system = 0;                // the system whose record raised it
  std::string key;                       // that record's key
  std::vector<std::int64_t> candidates;  // ambiguous match: the links it could be
  // Per system: the value it holds for the field (conflicts, held changes).
  std::vector<Value> values;
};

struct MatchEvent {
  std::int64_t link = 0;
  std::size_t system = 0;
  std::string key;
  std::size_t rule = 0;
};

struct CyclePlan {
  // The state of every link this cycle touched, before any write is settled: seen
  // values, new bases, new members and holds. New links have negative ids.
  std::vector<LinkState> links;
  std::vector<bool> changed;  // per link: its state differs from what the directory held
  std::vector<MemberWrite> writes;
  std::vector<Decision> decisions;
  std::vector<ReviewItem> reviews;
  std::vector<MatchEvent> matches;
};

// Plans one cycle from the records read (`observations`: per system, the records
// changed since its cursor, or all of them for a snapshot). `country` is the default
// region for phone normalizers.
// The observations are taken (moved in, or copied) and freed as their links are planned.
CyclePlan plan_cycle(const SyncModel &model, LinkDirectory &links,
                     std::vector<Observation> observations, const std::string &country);

// Folds a write's result into its link: a create gives the member its key, an applied
// update makes the written values known there, a remove marks the member deleted. A
// write the system refused (it no longer held the expected value) changes nothing: the
// next cycle reads the system's own edit as a change.
void settle_write(LinkState &link, const MemberWrite &write, const std::string &assigned_key,
                  bool applied);

// The match key of `values` under `rule` (normalized fields joined), or none when a
// field of the rule is missing.
std::optional<std::string> match_key(const MatchRule &rule, const Values &values,
                                     const std::string &country);

}  // namespace junction::engine::sync
