#include "engine/sync/cycle_plan.hpp"

#include <xxhash.h>

#include <algorithm>
#include <set>
#include <unordered_map>

#include "engine/sync/normalizers.hpp"

namespace junction::engine::sync {
namespace {

constexpr std::size_t end_of_chain = static_cast<std::size_t>(-1);

bool present(const Value &v) {
  return v.has_value() && !v->empty();
}

const Value &value_at(const Values &values, std::size_t field) {
  static const Value none;
  return field < values.size() ? values[field] : none;
}

bool contains(const std::vector<std::size_t> &list, std::size_t item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

MemberState fresh_member(const std::string &key, std::size_t fields) {
  MemberState m;
  m.key = key;
  m.known.assign(fields, std::nullopt);
  return m;
}

// A link being planned: its new state and what each system showed of it this cycle.
struct Working {
  LinkState state;
  std::vector<const Observation *> seen;  // per system; null when not read this cycle
  bool changed = false;                   // differs from the state the directory held
};

class Planner {
 public:
  Planner(const SyncModel &model, LinkDirectory &links, const std::string &country)
      : model_(model),
        links_(links),
        country_(country),
        pending_(model.match.size()),
        pending_next_(model.match.size()) {}

  CyclePlan run(std::vector<Observation> &observations) {
    std::vector<const Observation *> unknown;
    for (const auto &o : observations) {
      if (o.system >= model_.systems.size() || !model_.systems[o.system].readable()) continue;
      if (const LinkState *known = links_.find_member(o.system, o.key)) {
        touch(*known).seen[o.system] = &o;
      } else if (!o.deleted) {
        unknown.push_back(&o);  // a record never seen that is already gone needs nothing
      }
    }
    // New records in system order: the first system's records found links the others'
    // then match, so a first sync of systems sharing records links them.
    std::stable_sort(
        unknown.begin(), unknown.end(),
        [](const Observation *a, const Observation *b) { return a->system < b->system; });
    for (auto &keys : pending_) keys.reserve(unknown.size());
    for (const Observation *o : unknown) resolve_identity(*o);
    plan_.links.reserve(work_.size());
    plan_.changed.reserve(work_.size());
    for (auto &w : work_) {
      merge(w);
      // The link is planned: its records' values go now rather than with all the others
      // at the end, so the peak of a first sync is its records or its links, not both.
      for (const Observation *o : w.seen) {
        if (o == nullptr) continue;
        Values().swap(observations[static_cast<std::size_t>(o - observations.data())].values);
      }
    }
    return std::move(plan_);
  }

 private:
  // Where the link is being planned, if it is: links new this cycle (negative ids) by
  // their number, the directory's by id.
  std::optional<std::size_t> planned(std::int64_t id) const {
    if (id < 0) return new_links_.at(static_cast<std::size_t>(-(id + 1)));
    const auto it = by_id_.find(id);
    if (it == by_id_.end()) return std::nullopt;
    return it->second;
  }

  Working &touch(const LinkState &link) {
    if (const auto at = planned(link.id)) return work_[*at];
    Working w;
    w.state = link;
    w.state.members.resize(model_.systems.size());
    w.state.base.resize(model_.fields.size());
    w.state.held.resize(model_.fields.size(), false);
    w.seen.assign(model_.systems.size(), nullptr);
    by_id_.emplace(link.id, work_.size());
    work_.push_back(std::move(w));
    return work_.back();
  }

  const LinkState &current(const LinkState &link) {
    const auto at = planned(link.id);
    return at ? work_[*at].state : link;
  }

  // Tries each match rule in turn: one free candidate links the record; several, or
  // candidates that already have a record in this system, go to review; none creates a
  // link of its own.
  void resolve_identity(const Observation &o) {
    // Each rule's key, normalized once: a new link files itself under them below.
    std::vector<std::optional<std::string>> &keys = keys_;
    keys.assign(model_.match.size(), std::nullopt);
    for (std::size_t r = 0; r < model_.match.size(); ++r) {
      keys[r] = match_key(model_.match[r], o.values, country_);
      const auto &key = keys[r];
      if (!key) continue;
      std::vector<const LinkState *> &candidates = candidates_;
      candidates.clear();
      const auto consider = [&](const LinkState &link) {
        const LinkState &now = current(link);
        if (now.deleted) return;
        for (const LinkState *c : candidates) {
          if (c->id == now.id) return;
        }
        candidates.push_back(&now);
      };
      for (const LinkState *link : links_.find_by_match(r, *key)) consider(*link);
      if (const auto it = pending_[r].find(*key); it != pending_[r].end()) {
        // The chain runs newest first; candidates are listed in the order they were made.
        std::vector<std::size_t> &made = made_;
        made.clear();
        for (std::size_t i = it->second; i != end_of_chain; i = pending_next_[r][i])
          made.push_back(i);
        for (auto i = made.rbegin(); i != made.rend(); ++i) consider(work_[*i].state);
      }
      // A link that has a record in this system already is another record of it: the
      // system keeps its records apart, so this one cannot be that link's.
      std::erase_if(candidates, [&](const LinkState *c) {
        return c->members.size() > o.system && c->members[o.system].has_value() &&
               !c->members[o.system]->deleted;
      });
      if (candidates.empty()) continue;
      if (candidates.size() == 1) {
        // A link of this cycle is found by id (touch() may move the working links); one
        // of the directory's stays where it is.
        const auto at = planned(candidates.front()->id);
        Working &w = at ? work_[*at] : touch(*candidates.front());
        w.state.members[o.system] = fresh_member(o.key, model_.fields.size());
        w.seen[o.system] = &o;
        w.changed = true;
        plan_.matches.push_back({w.state.id, o.system, o.key, r});
        return;
      }
      ReviewItem review;
      review.kind = ReviewKind::ambiguous_match;
      review.system = o.system;
      review.key = o.key;
      for (const LinkState *c : candidates) {
        review.candidates.push_back(c->id);
        // Until a person says which it is, none of them is created in this system: the
        // record waiting there may be it.
        blocked_creates_.insert({c->id, o.system});
      }
      plan_.reviews.push_back(std::move(review));
      return;
    }
    // A link of its own, made in place (a first sync makes one per record).
    const std::size_t index = work_.size();
    Working &w = work_.emplace_back();
    LinkState &link = w.state;
    link.id = next_new_id_--;
    link.members.assign(model_.systems.size(), std::nullopt);
    link.members[o.system] = fresh_member(o.key, model_.fields.size());
    link.base.assign(model_.fields.size(), std::nullopt);
    link.held.assign(model_.fields.size(), false);
    w.seen.assign(model_.systems.size(), nullptr);
    w.seen[o.system] = &o;
    w.changed = true;
    new_links_.push_back(index);
    for (std::size_t r = 0; r < model_.match.size(); ++r) {
      if (!keys[r]) continue;
      auto &next = pending_next_[r];
      next.resize(index + 1, end_of_chain);
      const auto [it, first] = pending_[r].try_emplace(std::move(*keys[r]), index);
      if (!first) {
        next[index] = it->second;
        it->second = index;
      }
    }
  }

  std::vector<Value> values_of(const Working &w, std::size_t field) const {
    std::vector<Value> values(model_.systems.size());
    for (std::size_t s = 0; s < values.size(); ++s) {
      if (w.seen[s] != nullptr && !w.seen[s]->deleted)
        values[s] = value_at(w.seen[s]->values, field);
    }
    return values;
  }

  void hold(Working &w, std::size_t field, ReviewKind kind, std::size_t system) {
    w.state.held[field] = true;
    w.changed = true;
    ReviewItem review;
    review.kind = kind;
    review.link = w.state.id;
    review.field = field;
    review.system = system;
    if (w.state.members[system]) review.key = w.state.members[system]->key;
    review.values = values_of(w, field);
    plan_.reviews.push_back(std::move(review));
  }

  // The change among `changers` with the newest change time; system order breaks ties.
  std::size_t newest(const Working &w, const std::vector<std::size_t> &changers) const {
    std::size_t best = changers.front();
    for (const std::size_t s : changers) {
      const auto t = w.seen[s]->changed_at;
      const auto bt = w.seen[best]->changed_at;
      if (t > bt || (t == bt && s < best)) best = s;
    }
    return best;
  }

  // What system `s` holds in field `f` as the host believes: what it showed this cycle,
  // else the value agreed before this cycle when that is what the host last knew there.
  static std::optional<Value> believed(const Working &w, const Values &old_base, std::size_t s,
                                       std::size_t f) {
    const auto &member = w.state.members[s];
    if (!member || f >= member->known.size() || !member->known[f]) return std::nullopt;
    const std::uint64_t known = *member->known[f];
    if (w.seen[s] != nullptr && !w.seen[s]->deleted) {
      const Value &v = value_at(w.seen[s]->values, f);
      if (value_hash(v) == known) return v;
    }
    if (value_hash(value_at(old_base, f)) == known) return value_at(old_base, f);
    return std::nullopt;
  }

  void merge(Working &w) {
    LinkState &link = w.state;
    if (link.delete_pending && !link.deleted) {
      carry_out_approved_delete(w);
      return;
    }
    // The base before this merge, copied only once a field of it moves.
    // The base values this merge replaced (field, value before), to rebuild the base as
    // it was only when a write needs it: a first sync moves every field and writes none.
    std::vector<std::pair<std::size_t, Value>> &moved = moved_;
    moved.clear();
    const std::size_t systems = model_.systems.size();
    const std::size_t fields = model_.fields.size();
    // What each system shows, against what the host last knew there: a value equal to
    // what it last saw or wrote there is no change (echo suppression).
    // Reused across links: a first sync merges every link, and allocating per field showed.
    std::vector<std::vector<std::size_t>> &changers = changers_;
    changers.resize(fields);
    for (auto &c : changers) c.clear();
    std::vector<std::size_t> &deleters = deleters_;
    std::vector<std::size_t> &updaters = updaters_;
    deleters.clear();
    updaters.clear();
    // The base's hashes, kept current as fields move: every system compares with them.
    std::vector<std::uint64_t> &base_hash = base_hash_;
    base_hash.resize(fields);
    for (std::size_t f = 0; f < fields; ++f) base_hash[f] = value_hash(link.base[f]);
    for (std::size_t s = 0; s < systems; ++s) {
      const Observation *o = w.seen[s];
      if (o == nullptr || !link.members[s]) continue;
      MemberState &member = *link.members[s];
      if (o->deleted) {
        if (!member.deleted) deleters.push_back(s);
        continue;
      }
      for (std::size_t f = 0; f < fields; ++f) {
        if (!model_.systems[s].reads[f]) continue;
        const Value &value = value_at(o->values, f);
        const std::uint64_t h = value_hash(value);
        // A record new to its link that lacks a value says nothing about it: it never
        // erases what the other systems hold.
        const bool changed =
            member.known[f] ? *member.known[f] != h : present(value) && h != base_hash[f];
        if (!member.known[f] || *member.known[f] != h) w.changed = true;
        member.known[f] = h;
        if (changed) {
          changers[f].push_back(s);
          if (!contains(updaters, s)) updaters.push_back(s);
        }
      }
    }
    for (const std::size_t d : deleters) link.members[d]->deleted = true;
    if (!deleters.empty()) w.changed = true;
    if (!deleters.empty() && settle_deletes(w, link.base, deleters, updaters)) {
      plan_.links.push_back(std::move(link));  // not read again
      plan_.changed.push_back(true);
      return;
    }

    std::vector<bool> &decided = decided_;
    decided.assign(fields, false);
    for (std::size_t f = 0; f < fields; ++f) {
      if (changers[f].empty() || link.held[f]) continue;  // a held field waits for its review
      // Changes from systems whose changes to this field wait for approval are held when
      // they differ from what the other systems' changes (or the base) make of it.
      std::vector<std::size_t> changed;
      std::vector<std::size_t> awaiting;
      for (const std::size_t s : changers[f]) {
        const bool held_from =
            f < model_.hold_from.size() && s < model_.hold_from[f].size() && model_.hold_from[f][s];
        (held_from ? awaiting : changed).push_back(s);
      }
      if (!awaiting.empty()) {
        const Value &settled =
            changed.empty() ? link.base[f] : value_at(w.seen[changed.front()]->values, f);
        bool differs = false;
        for (const std::size_t s : awaiting) {
          differs |= value_hash(value_at(w.seen[s]->values, f)) != value_hash(settled);
        }
        if (differs) {
          hold(w, f, ReviewKind::held_change, awaiting.front());
          continue;
        }
        if (changed.empty()) continue;  // it already holds what the others agree on
      }
      // Whether the systems that changed it hold different values (few systems: no set).
      bool several_values = false;
      const std::uint64_t first_value = value_hash(value_at(w.seen[changed.front()]->values, f));
      for (const std::size_t s : changed) {
        several_values |= value_hash(value_at(w.seen[s]->values, f)) != first_value;
      }
      std::size_t winner = changed.front();
      Rule rule = Rule::one_side;
      // An owner only decides where it has a record of its own.
      int owner = model_.owner_of(f);
      if (owner >= 0 && (static_cast<std::size_t>(owner) >= systems || !link.members[owner] ||
                         link.members[owner]->deleted)) {
        owner = -1;
      }
      bool revert = false;
      if (owner >= 0 &&
          !(changed.size() == 1 && changed.front() == static_cast<std::size_t>(owner))) {
        if (contains(changed, static_cast<std::size_t>(owner))) {
          winner = static_cast<std::size_t>(owner);
          rule = Rule::owner;
        } else if (model_.foreign_changes == ForeignChange::review) {
          hold(w, f, ReviewKind::conflict, changed.front());
          continue;
        } else {
          winner = static_cast<std::size_t>(owner);
          rule = Rule::owner_revert;
          revert = true;
        }
      } else if (several_values) {
        if (model_.conflicts == ConflictPolicy::review) {
          hold(w, f, ReviewKind::conflict, changed.front());
          continue;
        }
        winner = newest(w, changed);
        rule = Rule::newest;
      }
      // A revert keeps the base (its owner, maybe not read this cycle, holds it).
      const Value *won = revert ? nullptr : &value_at(w.seen[winner]->values, f);
      if (const std::uint64_t h = won ? value_hash(*won) : 0; won && base_hash[f] != h) {
        moved.emplace_back(f, std::move(link.base[f]));
        link.base[f] = *won;
        base_hash[f] = h;
        w.changed = true;
      }
      decided[f] = true;
      // Only a contest is a decision worth keeping: a first sync settles every field of
      // every link one-sidedly, and keeping those showed in its time and memory.
      if (rule != Rule::one_side) plan_.decisions.push_back({link.id, f, rule, changed, winner});
    }
    plan_writes(w, moved, decided);
    plan_.links.push_back(std::move(link));  // not read again
    plan_.changed.push_back(w.changed);
  }

  // A delete a person approved in the review queue: removed wherever it still lives.
  void carry_out_approved_delete(Working &w) {
    LinkState &link = w.state;
    std::vector<std::size_t> live;
    for (std::size_t t = 0; t < model_.systems.size(); ++t) {
      const auto &member = link.members[t];
      if (member && !member->deleted) live.push_back(t);
    }
    plan_.decisions.push_back(
        {link.id, std::nullopt, Rule::delete_wins, live, live.empty() ? 0 : live.front()});
    for (const std::size_t t : live) {
      if (!model_.systems[t].writable()) continue;
      MemberWrite remove{link.id, t, WriteKind::remove, link.members[t]->key, {}, {}};
      for (std::size_t f = 0; f < model_.fields.size(); ++f) {
        if (!model_.systems[t].reads[f]) continue;
        if (auto value = believed(w, link.base, t, f)) {
          remove.guards.push_back({f, *value, link.members[t]->known[f], *value});
        }
      }
      plan_.writes.push_back(std::move(remove));
    }
    link.deleted = true;
    link.delete_pending = false;
    plan_.links.push_back(std::move(link));
    plan_.changed.push_back(true);
  }

  void review_delete(const LinkState &link, std::size_t deleter) {
    ReviewItem review;
    review.kind = ReviewKind::delete_conflict;
    review.link = link.id;
    review.system = deleter;
    review.key = link.members[deleter]->key;
    plan_.reviews.push_back(std::move(review));
  }

  // Deletes by policy; true when the link is gone (nothing else to plan for it).
  bool settle_deletes(Working &w, const Values &old_base, const std::vector<std::size_t> &deleters,
                      const std::vector<std::size_t> &updaters) {
    LinkState &link = w.state;
    if (model_.deletes == DeletePolicy::ignore) return false;
    if (model_.deletes == DeletePolicy::review) {
      review_delete(link, deleters.front());
      return false;
    }
    bool delete_wins = true;
    if (!updaters.empty()) {
      const int owner = model_.entity_owner;
      if (owner >= 0 && contains(deleters, static_cast<std::size_t>(owner))) {
        delete_wins = true;
      } else if (owner >= 0 && contains(updaters, static_cast<std::size_t>(owner))) {
        delete_wins = false;
      } else if (model_.conflicts == ConflictPolicy::review) {
        review_delete(link, deleters.front());
        return false;
      } else {
        std::vector<std::size_t> all = deleters;
        all.insert(all.end(), updaters.begin(), updaters.end());
        delete_wins = contains(deleters, newest(w, all));
      }
    }
    if (!delete_wins) {
      // The record lives on: the systems that deleted it get it again.
      for (const std::size_t d : deleters) link.members[d].reset();
      plan_.decisions.push_back(
          {link.id, std::nullopt, Rule::update_wins, deleters, updaters.front()});
      return false;
    }
    plan_.decisions.push_back(
        {link.id, std::nullopt, Rule::delete_wins, deleters, deleters.front()});
    for (std::size_t t = 0; t < model_.systems.size(); ++t) {
      auto &member = link.members[t];
      if (!member || member->deleted || !model_.systems[t].writable()) continue;
      MemberWrite remove{link.id, t, WriteKind::remove, member->key, {}, {}};
      for (std::size_t f = 0; f < model_.fields.size(); ++f) {
        if (!model_.systems[t].reads[f]) continue;
        if (auto value = believed(w, old_base, t, f)) {
          remove.guards.push_back({f, *value, member->known[f], *value});
        }
      }
      plan_.writes.push_back(std::move(remove));
    }
    link.deleted = true;
    return true;
  }

  void plan_writes(const Working &w, const std::vector<std::pair<std::size_t, Value>> &moved,
                   const std::vector<bool> &decided) {
    const LinkState &link = w.state;
    std::optional<Values> before;  // the base before this merge, made when first needed
    const auto old_base = [&]() -> const Values & {
      if (moved.empty()) return link.base;
      if (!before) {
        before = link.base;
        for (const auto &[f, value] : moved) (*before)[f] = value;
      }
      return *before;
    };
    for (std::size_t t = 0; t < model_.systems.size(); ++t) {
      const SystemModel &system = model_.systems[t];
      if (!system.writable()) continue;
      if (!link.members[t]) {
        if (blocked_creates_.count({link.id, t}) != 0U) continue;
        MemberWrite create{link.id, t, WriteKind::create, {}, {}, {}};
        for (std::size_t f = 0; f < model_.fields.size(); ++f) {
          if (system.writes[f] && present(link.base[f]) && !link.held[f]) {
            create.fields.push_back({f, link.base[f], std::nullopt, std::nullopt});
          }
        }
        if (!create.fields.empty()) plan_.writes.push_back(std::move(create));
        continue;
      }
      const MemberState &member = *link.members[t];
      if (member.deleted) continue;
      MemberWrite update{link.id, t, WriteKind::update, member.key, {}, {}};
      for (std::size_t f = 0; f < model_.fields.size(); ++f) {
        if (!system.writes[f] || link.held[f] || (f < system.key.size() && system.key[f])) {
          continue;
        }
        const bool known_equal = member.known[f] && *member.known[f] == base_hash_[f];
        if (known_equal) continue;
        // Decided this cycle, or still different from the base after an earlier write
        // failed: either way the system gets the base value.
        if (!decided[f] && !member.known[f]) continue;
        update.fields.push_back({f, link.base[f], member.known[f], believed(w, old_base(), t, f)});
      }
      if (!update.fields.empty()) plan_.writes.push_back(std::move(update));
    }
  }

  const SyncModel &model_;
  LinkDirectory &links_;
  const std::string &country_;
  std::vector<Working> work_;
  std::unordered_map<std::int64_t, std::size_t> by_id_;  // the directory's links
  std::vector<std::size_t> new_links_;                   // new link -1, -2, ...: its place in work_
  // Links new this cycle, by match rule and key, for the records read after them: the
  // newest link of each key, and per rule and link the one made before it with that key.
  std::vector<std::unordered_map<std::string, std::size_t>> pending_;
  std::vector<std::vector<std::size_t>> pending_next_;
  std::int64_t next_new_id_ = -1;
  std::set<std::pair<std::int64_t, std::size_t>> blocked_creates_;  // (link, system)
  CyclePlan plan_;
  std::vector<std::vector<std::size_t>> changers_;    // merge's per-field buffer
  std::vector<std::uint64_t> base_hash_;              // merge's: the hash of each base value
  std::vector<std::size_t> deleters_, updaters_;      // merge's: systems that deleted, updated
  std::vector<bool> decided_;                         // merge's: fields settled this cycle
  std::vector<std::pair<std::size_t, Value>> moved_;  // merge's: base values replaced
  // resolve_identity's: the record's match keys, the links it could be, new links by key.
  std::vector<std::optional<std::string>> keys_;
  std::vector<const LinkState *> candidates_;
  std::vector<std::size_t> made_;
};

}  // namespace

std::uint64_t text_hash(std::string_view text) {
  // Absent and empty are one value: systems differ on which they store.
  if (text.empty()) return 0x6e6f2076616c7565ULL;
  return XXH3_64bits_withSeed(text.data(), text.size(), 0x6a756e6374696f6eULL);
}

std::uint64_t value_hash(const Value &value) {
  return value ? text_hash(*value) : text_hash({});
}

std::optional<std::string> match_key(const MatchRule &rule, const Values &values,
                                     const std::string &country) {
  if (rule.fields.empty()) return std::nullopt;
  std::string key;
  for (const auto &f : rule.fields) {
    const Value &v = value_at(values, f.field);
    if (!present(v)) return std::nullopt;
    const auto normalized = normalize_for_match(*v, f.normalizers, country);
    if (!normalized) return std::nullopt;
    key += *normalized;
    key.push_back('\x1f');
  }
  return key;
}

CyclePlan plan_cycle(const SyncModel &model, LinkDirectory &links,
                     std::vector<Observation> observations, const std::string &country) {
  return Planner(model, links, country).run(observations);
}

void settle_write(LinkState &link, const MemberWrite &write, const std::string &assigned_key,
                  bool applied) {
  if (!applied || write.system >= link.members.size()) return;
  auto &slot = link.members[write.system];
  switch (write.kind) {
    case WriteKind::create:
      slot = fresh_member(assigned_key, link.base.size());
      for (const auto &f : write.fields) slot->known[f.field] = value_hash(f.value);
      break;
    case WriteKind::update:
      if (!slot) return;
      for (const auto &f : write.fields) slot->known[f.field] = value_hash(f.value);
      break;
    case WriteKind::remove:
      if (slot) slot->deleted = true;
      break;
  }
}

}  // namespace junction::engine::sync
