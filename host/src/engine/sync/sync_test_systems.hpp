// Tests of the sync engine: systems held in memory that behave as real ones do (their
// own keys, change times, deletes seen in a snapshot, writes that apply only while the
// record still holds what the host expects), and a cycle that reads them all, plans and
// applies.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/sync/cycle_plan.hpp"
#include "engine/sync/memory_link_directory.hpp"

namespace junction::engine::sync::testing {

struct StoredRecord {
  Values values;
  std::int64_t changed_at = 0;
  bool deleted = false;
};

struct MemorySystem {
  std::string prefix;
  std::map<std::string, StoredRecord> records;
  int next_key = 1;
};

class MemorySyncWorld {
 public:
  explicit MemorySyncWorld(SyncModel model) : model_(std::move(model)), links_(model_, "GB") {
    for (const auto &s : model_.systems) systems_.push_back({s.name + "-", {}, 1});
  }

  const SyncModel &model() const { return model_; }
  MemoryLinkDirectory &links() { return links_; }
  MemorySystem &system(std::size_t s) { return systems_[s]; }
  std::int64_t tick() { return ++clock_; }

  // A record created by a user; returns its key.
  std::string create(std::size_t s, Values values) {
    MemorySystem &system = systems_[s];
    const std::string key = system.prefix + std::to_string(system.next_key++);
    system.records[key] = {std::move(values), tick(), false};
    return key;
  }
  void edit(std::size_t s, const std::string &key, std::size_t field, Value value) {
    StoredRecord &r = systems_[s].records.at(key);
    r.values[field] = std::move(value);
    r.changed_at = tick();
  }
  void remove(std::size_t s, const std::string &key) {
    StoredRecord &r = systems_[s].records.at(key);
    r.deleted = true;
    r.changed_at = tick();
  }

  // Every readable system's records, as a snapshot read gives them.
  std::vector<Observation> read() const {
    std::vector<Observation> out;
    for (std::size_t s = 0; s < systems_.size(); ++s) {
      if (!model_.systems[s].readable()) continue;
      for (const auto &[key, r] : systems_[s].records) {
        out.push_back({s, key, r.values, r.changed_at, r.deleted});
      }
    }
    return out;
  }

  WriteResult apply(const MemberWrite &w) {
    MemorySystem &system = systems_[w.system];
    WriteResult result;
    result.applied = true;
    switch (w.kind) {
      case WriteKind::create: {
        Values values(model_.fields.size());
        for (const auto &f : w.fields) values[f.field] = f.value;
        result.key = create(w.system, std::move(values));
        ++writes_;
        break;
      }
      case WriteKind::update: {
        result.key = w.key;
        StoredRecord &r = system.records.at(w.key);
        bool any = false;
        for (const auto &f : w.fields) {
          if (f.expected && value_hash(r.values[f.field]) != *f.expected) {
            result.refused_fields.push_back(f.field);
            continue;
          }
          r.values[f.field] = f.value;
          any = true;
        }
        if (any) r.changed_at = tick();
        ++writes_;
        break;
      }
      case WriteKind::remove:
        result.key = w.key;
        remove(w.system, w.key);
        ++writes_;
        break;
    }
    return result;
  }

  // One cycle: read everything, plan, then (after `between`, edits made while the
  // cycle runs) apply the plan. Returns the plan.
  template <typename Between>
  CyclePlan cycle(Between between) {
    CyclePlan plan = plan_cycle(model_, links_, read(), "GB");
    between();
    apply_plan_in_memory(links_, plan, [this](const MemberWrite &w) { return apply(w); });
    return plan;
  }
  CyclePlan cycle() {
    return cycle([] {});
  }

  long long writes() const { return writes_; }

 private:
  SyncModel model_;
  MemoryLinkDirectory links_;
  std::vector<MemorySystem> systems_;
  std::int64_t clock_ = 0;
  long long writes_ = 0;
};

// Systems that read and write every field.
inline SyncModel model_of(std::vector<std::string> systems, std::vector<std::string> fields) {
  SyncModel model;
  model.fields = std::move(fields);
  for (auto &name : systems) {
    SystemModel s;
    s.name = std::move(name);
    s.reads.assign(model.fields.size(), true);
    s.writes.assign(model.fields.size(), true);
    model.systems.push_back(std::move(s));
  }
  return model;
}

}  // namespace junction::engine::sync::testing
