// The model of a sync: two or more systems sharing one canonical record, and what the
// host keeps per link between cycles. Pure data: the cycle planner reads it, the store
// keeps it, the config builds it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace junction::engine::sync {

// A canonical field's value; nullopt when the record has none (absent or empty).
using Value = std::optional<std::string>;
using Values = std::vector<Value>;  // one per canonical field, in the model's order

// The hash of a value as the host remembers it (what it last saw or wrote in a system).
std::uint64_t value_hash(const Value &value);
// The same hash of a value given as text ("" for none), without making a Value.
std::uint64_t text_hash(std::string_view text);

enum class Access { read_write, read_only, write_only };
enum class ConflictPolicy { owner, newest, review };
enum class DeletePolicy { propagate, ignore, review };
// A change made in a system to a field another system owns.
enum class ForeignChange { revert, review };

struct SystemModel {
  std::string name;
  Access access = Access::read_write;
  // Per canonical field: whether the system's records carry it, and whether the host
  // writes it there.
  std::vector<bool> reads;
  std::vector<bool> writes;
  // Per canonical field: part of the system's key, written when a record is created
  // there and never changed afterwards (changing it would make another record).
  std::vector<bool> key;

  bool readable() const { return access != Access::write_only; }
  bool writable() const { return access != Access::read_only; }
};

// How one field of a match rule is compared: its canonical field and the normalizers
// applied first (see normalizers.hpp).
struct MatchField {
  std::size_t field = 0;
  std::vector<std::string> normalizers;
};

// Records match on a rule when every field of it is present in both and equal once
// normalized. Rules are tried in order.
struct MatchRule {
  std::vector<MatchField> fields;
};

struct SyncModel {
  std::vector<std::string> fields;
  std::vector<SystemModel> systems;
  std::vector<MatchRule> match;
  // Per field: the system owning it, or -1. `entity_owner` owns every field without an
  // owner of its own, and decides update-versus-delete conflicts.
  std::vector<int> field_owner;
  int entity_owner = -1;
  ConflictPolicy conflicts = ConflictPolicy::newest;
  ForeignChange foreign_changes = ForeignChange::revert;
  DeletePolicy deletes = DeletePolicy::propagate;
  // Per field: changes arriving from these systems wait for approval (empty: none).
  std::vector<std::vector<bool>> hold_from;

  int owner_of(std::size_t field) const {
    return field_owner.size() > field && field_owner[field] >= 0 ? field_owner[field]
                                                                 : entity_owner;
  }
};

// One record of one system as the host knows it between cycles.
struct MemberState {
  std::string key;
  // Per field: hash of the value last seen or written there; nullopt when never known.
  std::vector<std::optional<std::uint64_t>> known;
  bool deleted = false;
};

// One real-world record across the systems of a sync.
struct LinkState {
  std::int64_t id = 0;
  std::vector<std::optional<MemberState>> members;  // per system
  Values base;                                      // last value agreed per field
  std::vector<bool> held;                           // per field: waiting in review
  bool deleted = false;                             // deleted everywhere it was
  // A person settled a delete conflict for the delete: the next cycle that meets the link
  // deletes its records in every writable system.
  bool delete_pending = false;
};

// One record read from one system in a cycle.
struct Observation {
  std::size_t system = 0;
  std::string key;
  Values values;                // per canonical field; fields the system does not read are ignored
  std::int64_t changed_at = 0;  // the system's change time (any monotonic unit)
  bool deleted = false;
};

}  // namespace junction::engine::sync
