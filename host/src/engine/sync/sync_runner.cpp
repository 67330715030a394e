#include "engine/sync/sync_runner.hpp"

#include <algorithm>
#include <chrono>
#include <set>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include <soci/soci.h>
#include <spdlog/spdlog.h>

#include <junction/batch.hpp>

#include "engine/conversions.hpp"
#include "engine/flow_runner.hpp"
#include "engine/key_set.hpp"
#include "engine/quota_governor.hpp"
#include "engine/record_text.hpp"
#include "engine/sync/link_codec.hpp"
#include "engine/sync/lookup_plan.hpp"
#include "engine/sync/member_index.hpp"
#include "engine/sync/memory_link_directory.hpp"
#include "engine/sync/model_from_config.hpp"
#include "store/audit_log.hpp"
#include "store/quota_repository.hpp"
#include "store/run_repository.hpp"
#include "store/sync_repository.hpp"

namespace junction::engine::sync {
namespace {

constexpr std::size_t write_chunk = 500;
constexpr std::size_t lookup_chunk = 100;  // queries per lookup call
constexpr std::size_t npos = BatchView::npos;

std::size_t field_index_in(const std::vector<std::string> &names, const std::string &name) {
  return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
}

double seconds_between(std::chrono::steady_clock::time_point from,
                       std::chrono::steady_clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

std::int64_t now_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const char *kind_name(ReviewKind kind) {
  switch (kind) {
    case ReviewKind::ambiguous_match: return "ambiguous_match";
    case ReviewKind::conflict: return "conflict";
    case ReviewKind::held_change: return "held_change";
    case ReviewKind::delete_conflict: return "delete_conflict";
  }
  return "conflict";
}

const char *rule_name(Rule rule) {
  switch (rule) {
    case Rule::one_side: return "changed in";
    case Rule::owner: return "owner";
    case Rule::owner_revert: return "reverted to its owner";
    case Rule::newest: return "newest";
    case Rule::delete_wins: return "deleted in";
    case Rule::update_wins: return "updated after a delete in";
  }
  return "";
}

std::vector<std::string> split_key(const std::string &key) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto end = key.find('\x1f', start);
    parts.push_back(key.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

// The change time of a record: its source's word, else the system's change-time field.
std::int64_t change_time(const RecordView &record, std::size_t field) {
  if (record.changed_at() != JN_TIME_UNKNOWN) return record.changed_at();
  if (field == npos) return 0;
  const junction::Value v = record.value(field);
  switch (v.type()) {
    case ValueType::timestamp:
    case ValueType::int64: return v.raw().u.i64;
    case ValueType::date: return v.raw().u.i64 * 86400LL * 1000000LL;
    default: break;
  }
  if (!v.has_text()) return 0;
  Converted converted;
  if (convert_text(v.text(), TargetType::timestamp, "", Rounding::reject, converted)) return 0;
  return converted.i64;
}

// Per system: the fields its connector's manifest says the system owns.
std::vector<std::vector<std::string>> connector_owns(const SyncContext &c) {
  std::vector<std::vector<std::string>> out;
  for (const auto &system : c.sync.systems) {
    const auto it = c.connectors.find(system.connector);
    const plugin::EntityInfo *info =
        it == c.connectors.end() ? nullptr : it->second->entity_info(system.entity);
    out.push_back(info == nullptr ? std::vector<std::string>{} : info->owns);
  }
  return out;
}

class Cycle {
 public:
  explicit Cycle(SyncContext &c)
      : c_(c),
        model_(model_from_config(c.sync, connector_owns(c))),
        country_(country_of(c.sync)),
        links_(model_, country_),
        repo_(c.store.session(), c.sync.name),
        runs_(c.store.session()) {}

  SyncOutcome plan() {
    const auto started = std::chrono::steady_clock::now();
    SyncOutcome out;
    out.sync = c_.sync.name;
    out.model = model_;
    open_indexes();
    auto observations = read(out.counts);
    const auto read_done = std::chrono::steady_clock::now();
    out.plan = plan_cycle(model_, links_, std::move(observations), country_);
    spdlog::info("sync {}: {} records read, {} unchanged since the last cycle; {} links planned",
                 c_.sync.name, out.counts.read, unchanged_, out.plan.links.size());
    spdlog::debug("sync {}: reading took {:.2f} s, planning {:.2f} s", c_.sync.name,
                  seconds_between(started, read_done),
                  seconds_between(read_done, std::chrono::steady_clock::now()));
    out.counts.linked = static_cast<long long>(out.plan.matches.size());
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return out;
  }

  void apply(SyncOutcome &out) {
    const auto started = std::chrono::steady_clock::now();
    out.run_id = new_run_id();
    out.written_keys.assign(out.plan.writes.size(), "");
    out.write_errors.assign(out.plan.writes.size(), "");
    out.deferred.assign(out.plan.writes.size(), false);
    std::vector<bool> applied(out.plan.writes.size(), false);
    for (std::size_t s = 0; s < model_.systems.size(); ++s) write_system(s, out, applied);
    const auto systems_written = std::chrono::steady_clock::now();

    soci::transaction tx(c_.store.session());
    std::map<std::int64_t, LinkState *> by_plan_id;
    for (auto &link : out.plan.links) by_plan_id[link.id] = &link;
    for (std::size_t i = 0; i < out.plan.writes.size(); ++i) {
      const MemberWrite &w = out.plan.writes[i];
      settle_write(*by_plan_id.at(w.link), w, out.written_keys[i], applied[i]);
      if (!applied[i]) {
        if (!out.deferred[i]) ++out.counts.failed;
        continue;
      }
      switch (w.kind) {
        case WriteKind::create: ++out.counts.created; break;
        case WriteKind::update: ++out.counts.updated; break;
        case WriteKind::remove: ++out.counts.deleted; break;
      }
    }
    // Only links whose state moved are encoded and saved: an unchanged cycle saves none.
    std::set<std::int64_t> written;
    for (std::size_t i = 0; i < out.plan.writes.size(); ++i) {
      if (applied[i]) written.insert(out.plan.writes[i].link);
    }
    std::int64_t next_id = repo_.max_link_id();
    std::unordered_map<std::int64_t, std::int64_t> ids;
    ids.reserve(out.plan.links.size());
    std::vector<std::pair<std::int64_t, std::string>> changed;
    std::vector<const LinkState *> to_encode;
    for (std::size_t i = 0; i < out.plan.links.size(); ++i) {
      LinkState &link = out.plan.links[i];
      const std::int64_t planned = link.id;
      if (planned < 0) link.id = ++next_id;
      ids.emplace(planned, link.id);
      if (planned < 0 || out.plan.changed[i] || written.contains(planned)) {
        changed.emplace_back(link.id, std::string());
        to_encode.push_back(&link);
      }
    }
    encode_links(to_encode, changed);
    const auto written_at = std::chrono::steady_clock::now();
    repo_.save_links(changed);
    save_indexes(out.plan.links);
    spdlog::debug(
        "sync {}: writing the systems took {:.2f} s, encoding {} links {:.2f} s, saving them "
        "and the indexes {:.2f} s",
        c_.sync.name, seconds_between(started, systems_written), changed.size(),
        seconds_between(systems_written, written_at),
        seconds_between(written_at, std::chrono::steady_clock::now()));
    record_reviews(out, ids);
    record_audit(out, applied, ids);
    store::RunRepository &runs = runs_;
    for (const auto &[s, read] : read_to_) {
      runs.save_cursor(chain(), c_.sync.systems[s].name, read.second, out.run_id);
    }
    runs.start(out.run_id, chain(), c_.actor);
    store::RunCounts counts;
    counts.read = out.counts.read;
    counts.created = out.counts.created;
    counts.updated = out.counts.updated;
    counts.deleted = out.counts.deleted;
    counts.failed = out.counts.failed;
    runs.finish(out.run_id, out.counts.failed > 0 ? "finished_with_errors" : "finished", counts,
                "");
    store::QuotaRepository quotas(c_.store.session());
    save_quota_use(QuotaGovernor::process(), quotas);
    {
      const auto writing_out = c_.store.writeback_while_committing();
      tx.commit();
    }
    for (auto &[s, read] : read_to_) read.first->acknowledge(read.second);
    out.seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }

 private:
  // Encodes `links` into the texts of `into` (same order), on two threads when there are
  // many: a first sync encodes every link.
  static void encode_links(const std::vector<const LinkState *> &links,
                           std::vector<std::pair<std::int64_t, std::string>> &into) {
    const auto encode_range = [&](std::size_t from, std::size_t to) {
      for (std::size_t i = from; i < to; ++i) into[i].second = encode_link(*links[i]);
    };
    const std::size_t half = links.size() / 2;
    if (half < 10000) {
      encode_range(0, links.size());
      return;
    }
    // encode_link throws on text that is not UTF-8; the helper's error is rethrown here.
    std::exception_ptr error;
    {
      std::jthread helper([&] {
        try {
          encode_range(half, links.size());
        } catch (...) {
          error = std::current_exception();
        }
      });
      encode_range(0, half);
    }
    if (error) std::rethrow_exception(error);
  }

  // Each readable system's member index: with all of them, a cycle skips the records that
  // did not change and loads only the links of those that did (see member_index.hpp).
  void open_indexes() {
    const std::size_t systems = model_.systems.size();
    indexes_.assign(systems, std::nullopt);
    quiet_.assign(systems, {});
    use_indexes_ = true;
    for (std::size_t s = 0; s < systems && use_indexes_; ++s) {
      if (!model_.systems[s].readable()) continue;
      if (const auto bytes = repo_.load_member_index(model_.systems[s].name)) {
        indexes_[s] = MemberIndex::decode(*bytes, MemberIndex::fingerprint(model_, s));
      }
      use_indexes_ = indexes_[s].has_value();
    }
    if (!use_indexes_ && repo_.max_link_id() == 0) {
      // No link yet (a first cycle): empty indexes are exact.
      use_indexes_ = true;
      for (std::size_t s = 0; s < systems; ++s) {
        if (model_.systems[s].readable()) indexes_[s] = MemberIndex();
      }
    }
    if (!use_indexes_) {
      indexes_.assign(systems, std::nullopt);
      load_all_links();
      return;
    }
    for (std::size_t s = 0; s < systems; ++s) {
      if (indexes_[s]) quiet_[s].assign(indexes_[s]->size(), false);
    }
  }

  void load_all_links() {
    if (all_links_loaded_) return;
    for (const auto &[id, text] : repo_.load_links()) {
      links_.put(decode_link(id, text, model_.systems.size(), model_.fields.size()));
    }
    all_links_loaded_ = true;
  }

  void load_links(const std::set<std::int64_t> &ids) {
    if (all_links_loaded_ || ids.empty()) return;
    const std::vector<std::int64_t> list(ids.begin(), ids.end());
    for (const auto &[id, text] : repo_.load_links(list)) {
      links_.put(decode_link(id, text, model_.systems.size(), model_.fields.size()));
    }
  }

  // Brings each index up to date with the links this cycle planned (and, for a system read
  // without a usable index, builds it from every link), saving those that changed.
  void save_indexes(const std::vector<LinkState> &planned) {
    std::vector<const LinkState *> touched;
    std::set<std::int64_t> touched_ids;
    for (const auto &link : planned) {
      touched.push_back(&link);
      touched_ids.insert(link.id);
    }
    for (std::size_t s = 0; s < model_.systems.size(); ++s) {
      if (!model_.systems[s].readable()) continue;
      const std::string &name = model_.systems[s].name;
      std::optional<MemberIndex> index;
      if (indexes_[s]) {
        if (touched.empty()) continue;
        index = std::move(indexes_[s]);
        if (!index->update(model_, s, touched)) index.reset();
      } else {
        std::vector<const LinkState *> all = touched;
        for (const auto &[id, link] : links_.links()) {
          if (!touched_ids.contains(id)) all.push_back(&link);
        }
        index = MemberIndex::build(model_, s, all);
      }
      if (index) {
        repo_.save_member_index(name, index->encode(MemberIndex::fingerprint(model_, s)));
      } else {
        // Two keys share a hash: this sync plans every link each cycle.
        spdlog::warn("sync {}: system {}: two record keys share a hash; cycles read every link",
                     c_.sync.name, name);
        repo_.drop_member_indexes();
      }
    }
  }

  // The fields the cycle reads from system `s`: its key, mapped fields, change time.
  std::vector<std::string> read_fields(std::size_t s) const {
    const auto &system = c_.sync.systems[s];
    std::vector<std::string> fields = system.key;
    for (const auto &f : system.fields) {
      if (f.read && std::find(fields.begin(), fields.end(), f.field) == fields.end()) {
        fields.push_back(f.field);
      }
    }
    if (!system.changed_at.empty()) fields.push_back(system.changed_at);
    return fields;
  }

  // What reading one system gave: kept apart per system, so that systems read at once.
  struct SystemRead {
    std::size_t system = 0;
    std::unique_ptr<plugin::SourceStream> source;
    bool changes = false;  // read by its changes since a cursor
    std::string cursor;    // where the read reached
    std::vector<Observation> out;
    SyncCounts counts;                     // read and failed
    std::set<std::int64_t> changed_links;  // links of records read with other values
    bool new_records = false;              // a record no index holds was read
    long long unchanged = 0;               // records skipped as unchanged
    std::string scratch;
    DigestBuilder digest;
    std::exception_ptr error;
  };

  std::vector<Observation> read(SyncCounts &counts) {
    seen_.assign(c_.sync.systems.size(), {});
    std::vector<std::size_t> partly_read;  // systems read by their changes since a cursor
    // Sources are opened one after another (a connector takes one call at a time), then
    // every system is read at once, each on its own thread: a cycle waits for its slowest
    // system rather than for all of them in turn.
    std::vector<SystemRead> reads;
    for (std::size_t s = 0; s < c_.sync.systems.size(); ++s) {
      if (!model_.systems[s].readable()) continue;
      const auto &system = c_.sync.systems[s];
      SystemRead &r = reads.emplace_back();
      r.system = s;
      r.changes = system.read == "changes";
      plugin::SourceOptions options;
      options.entity = system.entity;
      options.mode = r.changes ? JN_READ_INCREMENTAL : JN_READ_SNAPSHOT;
      options.key_fields = system.key;
      options.fields = read_fields(s);
      if (r.changes) options.cursor = runs_.cursor(chain(), system.name).value_or("");
      if (r.changes && !options.cursor.empty()) partly_read.push_back(s);
      r.cursor = options.cursor;
      r.source = c_.connectors.at(system.connector)->open_source(options);
    }
    const auto read_all = [this](SystemRead &r) {
      try {
        for (;;) {
          const jn_source_batch &next = r.source->next();
          if (next.batch != nullptr && next.batch->record_count > 0) {
            read_batch(r, BatchView(*next.batch));
          }
          r.cursor.assign(next.cursor.data, next.cursor.size);
          if (next.end != 0) break;
        }
      } catch (...) {
        r.error = std::current_exception();
      }
    };
    {
      std::vector<std::jthread> readers;
      for (std::size_t i = 1; i < reads.size(); ++i)
        readers.emplace_back(read_all, std::ref(reads[i]));
      if (!reads.empty()) read_all(reads.front());
    }
    std::vector<Observation> out;
    std::size_t total = 0;
    for (const SystemRead &r : reads) {
      if (r.error) std::rethrow_exception(r.error);
      total += r.out.size();
    }
    out.reserve(total);
    for (SystemRead &r : reads) {
      std::move(r.out.begin(), r.out.end(), std::back_inserter(out));
      counts.read += r.counts.read;
      counts.failed += r.counts.failed;
      changed_links_.insert(r.changed_links.begin(), r.changed_links.end());
      new_records_ = new_records_ || r.new_records;
      unchanged_ += r.unchanged;
      if (r.changes) {
        // Kept open: the source is told the cursor is durable once the cycle committed.
        read_to_.emplace(r.system, std::make_pair(std::move(r.source), r.cursor));
      } else {
        whole_.push_back(r.system);
      }
    }
    // The links of what changed (all of them when a record is new: matching compares it
    // with every link), and of what a whole read lacks.
    if (use_indexes_ && new_records_) load_all_links();
    std::set<std::int64_t> needed = changed_links_;
    if (use_indexes_) {
      for (const std::size_t s : whole_) {
        for (std::size_t i = 0; i < quiet_[s].size(); ++i) {
          if (!quiet_[s][i]) needed.insert(indexes_[s]->at(i).link);
        }
      }
    }
    load_links(needed);
    // A record the last cycle knew and this whole read lacks was deleted there.
    const std::int64_t now = now_micros();
    for (const std::size_t s : whole_) {
      const auto lacks = [&](const MemberState &member) {
        if (member.deleted || seen_[s].contains(member.key)) return false;
        if (!use_indexes_) return true;
        const std::size_t i = indexes_[s]->find(key_hash(member.key));
        return i == MemberIndex::npos || !quiet_[s][i];
      };
      for (const auto &[id, link] : links_.links()) {
        const auto &member = link.members[s];
        if (member && lacks(*member)) out.push_back({s, member->key, {}, now, true});
      }
    }
    for (const std::size_t s : partly_read) look_up_unread(s, out, counts);
    return out;
  }

  // Finds in system `s`, which the cycle read only in part, the records that new records
  // of other systems match but that did not change since the last cycle (see
  // lookup_plan.hpp), and adds them to `out` as read.
  void look_up_unread(std::size_t s, std::vector<Observation> &out, SyncCounts &counts) {
    const auto &system = c_.sync.systems[s];
    auto &connector = *c_.connectors.at(system.connector);
    if (!connector.can_look_up()) return;
    const auto lookups = plan_lookups(model_, links_, out, s, country_);
    const auto fields = read_fields(s);
    for (const RuleLookups &rule : lookups) {
      std::vector<std::string> names;
      for (const MatchField &f : model_.match[rule.rule].fields) {
        for (const auto &mapped : system.fields) {
          if (mapped.read && mapped.canonical == model_.fields[f.field]) {
            names.push_back(mapped.field);
            break;
          }
        }
      }
      std::size_t found = 0;
      for (std::size_t first = 0; first < rule.queries.size(); first += lookup_chunk) {
        const std::size_t count = std::min(lookup_chunk, rule.queries.size() - first);
        BatchBuilder queries;
        queries.set_fields(names);
        for (std::size_t q = 0; q < count; ++q) {
          const std::size_t r = queries.add_record(Operation::upsert);
          const auto &values = rule.queries[first + q].values;
          for (std::size_t f = 0; f < values.size(); ++f) {
            queries.set(r, f, junction::Value::string(values[f]));
          }
        }
        const auto answer = connector.lookup(system.entity, *queries.batch(), fields);
        if (!answer || answer->found == nullptr || answer->found->record_count == 0) continue;
        const BatchView in(*answer->found);
        const ReadLayout layout = layout_of(s, in);
        for (std::size_t r = 0; r < in.size(); ++r) {
          const RecordView record = in.record(r);
          if (record.failed()) continue;
          Observation o = observe(s, layout, record);
          const auto key = match_key(model_.match[rule.rule], o.values, country_);
          if (o.deleted || !key || *key != rule.queries[first + answer->query_index[r]].match_key ||
              links_.find_member(s, o.key) != nullptr || !seen_[s].insert(o.key)) {
            continue;
          }
          ++counts.read;
          ++found;
          out.push_back(std::move(o));
        }
      }
      spdlog::info(
          "sync {}: system {}: looked up {} new records of other systems by match rule "
          "{}; found {} the cycle had not read",
          c_.sync.name, system.name, rule.queries.size(), rule.rule + 1, found);
    }
  }

  // Where a batch of system `s` holds each field the cycle reads.
  struct ReadLayout {
    std::vector<std::size_t> canonical;  // per batch field: its canonical field, or npos
    std::vector<std::size_t> key;
    std::size_t changed_field = npos;
    // The batch field of each canonical field the system reads, in the model's order.
    std::vector<std::size_t> by_canonical;
  };

  ReadLayout layout_of(std::size_t s, const BatchView &in) const {
    const auto &system = c_.sync.systems[s];
    ReadLayout layout;
    layout.canonical.assign(in.field_count(), npos);
    for (const auto &f : system.fields) {
      if (!f.read) continue;
      const std::size_t i = in.field_index(f.field);
      if (i == npos) {
        throw std::runtime_error("sync " + c_.sync.name + ": system '" + system.name +
                                 "' has no field '" + f.field + "' (mapped to '" + f.canonical +
                                 "'); nothing was written");
      }
      layout.canonical[i] = field_index_in(model_.fields, f.canonical);
    }
    for (const auto &k : system.key) {
      const std::size_t i = in.field_index(k);
      if (i == npos) {
        throw std::runtime_error("sync " + c_.sync.name + ": system '" + system.name +
                                 "' has no key field '" + k + "'; nothing was written");
      }
      layout.key.push_back(i);
    }
    if (!system.changed_at.empty()) layout.changed_field = in.field_index(system.changed_at);
    for (std::size_t f = 0; f < model_.fields.size(); ++f) {
      if (!model_.systems[s].reads[f]) continue;
      const auto it = std::find(layout.canonical.begin(), layout.canonical.end(), f);
      layout.by_canonical.push_back(static_cast<std::size_t>(it - layout.canonical.begin()));
    }
    return layout;
  }

  Observation observe(std::size_t s, const ReadLayout &layout, const RecordView &record) const {
    Observation o;
    o.system = s;
    o.key = key_text(record, layout.key);
    o.values.resize(model_.fields.size());
    for (std::size_t f = 0; f < layout.canonical.size(); ++f) {
      if (layout.canonical[f] == npos) continue;
      std::string text;
      append_text(text, record.value(f));
      if (!text.empty()) o.values[layout.canonical[f]] = std::move(text);
    }
    o.deleted = record.operation() == Operation::remove;
    o.changed_at = change_time(record, layout.changed_field);
    return o;
  }

  // True when the record is one the index holds with the same values (marked read and
  // skipped); otherwise notes what its link needs and leaves it to be observed.
  bool quiet(SystemRead &r, const ReadLayout &layout, const RecordView &record) {
    const std::size_t s = r.system;
    std::string &scratch = r.scratch;
    scratch.clear();
    for (std::size_t i = 0; i < layout.key.size(); ++i) {
      if (i > 0) scratch.push_back('\x1f');
      append_text(scratch, record.value(layout.key[i]));
    }
    const std::size_t at = indexes_[s]->find(key_hash(scratch));
    if (at == MemberIndex::npos) {
      r.new_records = true;
      return false;
    }
    if (quiet_[s][at]) {
      ++r.counts.failed;
      spdlog::warn("sync {}: system {} holds the key {} twice; the second is left out",
                   c_.sync.name, c_.sync.systems[s].name, readable_key(scratch));
      return true;
    }
    r.digest.clear();
    for (const std::size_t field : layout.by_canonical) {
      scratch.clear();
      append_text(scratch, record.value(field));
      r.digest.add(text_hash(scratch));
    }
    quiet_[s][at] = true;
    if (r.digest.digest() == indexes_[s]->at(at).digest) {
      ++r.unchanged;
      return true;
    }
    r.changed_links.insert(indexes_[s]->at(at).link);
    return false;
  }

  void read_batch(SystemRead &r, const BatchView &in) {
    const std::size_t s = r.system;
    const auto &system = c_.sync.systems[s];
    const ReadLayout layout = layout_of(s, in);
    KeySet &seen = seen_[s];
    for (std::size_t i = 0; i < in.size(); ++i) {
      const RecordView record = in.record(i);
      ++r.counts.read;
      if (record.failed()) {
        ++r.counts.failed;
        spdlog::warn("sync {}: system {}: a record cannot be read: {}", c_.sync.name, system.name,
                     record.error());
        continue;
      }
      if (use_indexes_ && quiet(r, layout, record)) continue;
      Observation o = observe(s, layout, record);
      if (!seen.insert(o.key)) {
        ++r.counts.failed;
        spdlog::warn("sync {}: system {} holds the key {} twice; the second is left out",
                     c_.sync.name, system.name, readable_key(o.key));
        continue;
      }
      r.out.push_back(std::move(o));
    }
  }

  void write_system(std::size_t s, SyncOutcome &out, std::vector<bool> &applied) {
    std::vector<std::size_t> mine;
    for (std::size_t i = 0; i < out.plan.writes.size(); ++i) {
      if (out.plan.writes[i].system == s) mine.push_back(i);
    }
    if (mine.empty()) return;
    const auto &system = c_.sync.systems[s];
    std::vector<std::string> names;
    std::vector<std::size_t> position(model_.fields.size(), npos);
    // Every mapped field has a place: written fields carry values, and read fields carry
    // what a delete expects the record to hold (see jn_batch.expected).
    for (const auto &f : system.fields) {
      std::size_t at = field_index_in(names, f.field);
      if (at == names.size()) names.push_back(f.field);
      position[field_index_in(model_.fields, f.canonical)] = at;
    }
    std::vector<std::uint32_t> key_positions;
    for (const auto &k : system.key) {
      std::size_t at = field_index_in(names, k);
      if (at == names.size()) names.push_back(k);
      key_positions.push_back(static_cast<std::uint32_t>(at));
    }
    std::unique_ptr<plugin::SinkStream> sink;
    try {
      sink = c_.connectors.at(system.connector)->open_sink(system.entity, system.key, out.run_id);
    } catch (const plugin::CallError &e) {
      for (const auto i : mine) out.write_errors[i] = e.what();
      return;
    }
    std::vector<std::size_t> sent;
    for (std::size_t first = 0; first < mine.size(); first += write_chunk) {
      const std::size_t count = std::min(write_chunk, mine.size() - first);
      BatchBuilder batch;
      batch.set_fields(names);
      batch.set_key_fields(key_positions);
      for (std::size_t j = 0; j < count; ++j) {
        const MemberWrite &w = out.plan.writes[mine[first + j]];
        const std::size_t r =
            batch.add_record(w.kind == WriteKind::remove ? Operation::remove : Operation::upsert);
        if (w.kind != WriteKind::create) {
          const auto parts = split_key(w.key);
          for (std::size_t k = 0; k < key_positions.size() && k < parts.size(); ++k) {
            batch.set(r, key_positions[k], junction::Value::string(parts[k]));
          }
        }
        const auto text_or_null = [](const Value &v) {
          return v && !v->empty() ? junction::Value::string(*v) : junction::Value::null();
        };
        // Written only while the system still holds what the host believes: an edit made
        // there since the cycle read it is never overwritten.
        for (const auto &f : w.kind == WriteKind::remove ? w.guards : w.fields) {
          if (position[f.field] == npos || !f.expected_value) continue;
          batch.set_expected(r, position[f.field], text_or_null(*f.expected_value));
        }
        if (w.kind == WriteKind::remove) continue;
        for (const auto &f : w.fields) {
          if (position[f.field] == npos) continue;
          batch.set(r, position[f.field], text_or_null(f.value));
        }
      }
      const jn_batch *raw = batch.batch();
      try {
        const auto &outcomes = sink->write(*raw);
        const BatchView view(*raw);
        std::vector<std::size_t> key_fields(key_positions.begin(), key_positions.end());
        for (std::size_t j = 0; j < count; ++j) {
          const std::size_t i = mine[first + j];
          const jn_outcome &o = outcomes[j];
          if (o.status == JN_STALE) {
            // Changed there since the cycle read it: the next cycle reads the edit and merges
            // it. Not a failure; nothing to settle.
            ++out.counts.deferred;
            out.deferred[i] = true;
            spdlog::info("sync {}: system {}: {} was not written: {}", c_.sync.name, system.name,
                         readable_key(out.plan.writes[i].key),
                         o.message.size > 0 ? std::string(o.message.data, o.message.size)
                                            : std::string("it changed since it was read"));
            continue;
          }
          if (o.status != JN_OK) {
            out.write_errors[i] = o.message.size > 0 ? std::string(o.message.data, o.message.size)
                                                     : std::string("the system refused it");
            continue;
          }
          const MemberWrite &w = out.plan.writes[i];
          out.written_keys[i] = o.target_key.size > 0
                                    ? std::string(o.target_key.data, o.target_key.size)
                                : w.kind == WriteKind::create ? key_text(view.record(j), key_fields)
                                                              : w.key;
          sent.push_back(i);
        }
      } catch (const plugin::CallError &e) {
        for (std::size_t j = 0; j < count; ++j) out.write_errors[mine[first + j]] = e.what();
      }
    }
    try {
      sink->commit();
      for (const auto i : sent) applied[i] = true;
    } catch (const plugin::CallError &e) {
      for (const auto i : sent) out.write_errors[i] = e.what();
    }
  }

  std::string subject_of(const ReviewItem &r, std::int64_t link) const {
    std::string subject = kind_name(r.kind);
    if (link != 0) {
      subject += ":link " + std::to_string(link);
    } else {
      subject += ":" + model_.systems[r.system].name + ":" + r.key;
    }
    if (r.field) subject += ":" + model_.fields[*r.field];
    return subject;
  }

  void record_reviews(SyncOutcome &out, const std::unordered_map<std::int64_t, std::int64_t> &ids) {
    for (const auto &r : out.plan.reviews) {
      const std::int64_t link = r.link == 0 ? 0 : ids.count(r.link) ? ids.at(r.link) : r.link;
      store::SyncReview v;
      v.subject = subject_of(r, link);
      v.kind = kind_name(r.kind);
      v.link_id = link;
      if (r.field) v.field = model_.fields[*r.field];
      v.system = model_.systems[r.system].name;
      v.member_key = r.key;  // as the sync keys it; shown with '|' between key fields
      nlohmann::json detail = nlohmann::json::object();
      if (!r.values.empty()) {
        for (std::size_t s = 0; s < r.values.size(); ++s) {
          if (r.values[s]) detail["values"][model_.systems[s].name] = *r.values[s];
        }
      }
      for (const auto c : r.candidates) {
        detail["candidates"].push_back(ids.count(c) ? ids.at(c) : c);
      }
      v.detail = detail.dump();
      if (repo_.add_review(v)) ++out.counts.reviews;
    }
  }

  void record_audit(const SyncOutcome &out, const std::vector<bool> &applied,
                    const std::unordered_map<std::int64_t, std::int64_t> &ids) {
    std::map<std::pair<std::int64_t, std::size_t>, std::string> why;  // (link, field)
    for (const auto &d : out.plan.decisions) {
      if (!d.field || d.rule == Rule::one_side) continue;  // only what settled a contest
      why[{d.link, *d.field}] =
          std::string(rule_name(d.rule)) + " " + model_.systems[d.winner].name;
    }
    std::vector<store::AuditEntry> entries;
    for (std::size_t i = 0; i < out.plan.writes.size(); ++i) {
      if (!applied[i]) continue;
      const MemberWrite &w = out.plan.writes[i];
      store::AuditEntry e;
      e.actor = c_.actor;
      e.action = "sync";
      e.flow = "sync:" + c_.sync.name;
      e.run_id = out.run_id;
      e.source_connector = c_.sync.name;
      e.target_connector = c_.sync.systems[w.system].connector;
      e.target_key = readable_key(out.written_keys[i]);
      e.source_key = "link " + std::to_string(ids.count(w.link) ? ids.at(w.link) : w.link);
      e.operation = w.kind == WriteKind::create   ? "create"
                    : w.kind == WriteKind::update ? "update"
                                                  : "delete";
      std::string reasons;
      for (const auto &f : w.fields) {
        e.changed_fields += (e.changed_fields.empty() ? "" : ",") + model_.fields[f.field];
        if (const auto it = why.find({w.link, f.field}); it != why.end()) {
          reasons += (reasons.empty() ? "" : "; ") + model_.fields[f.field] + ": " + it->second;
        }
      }
      e.detail = reasons;
      entries.push_back(std::move(e));
    }
    store::AuditLog(c_.store.session(), c_.store.backend()).append(entries);
  }

  SyncContext &c_;
  SyncModel model_;
  std::string country_;
  MemoryLinkDirectory links_;
  store::SyncRepository repo_;
  store::RunRepository runs_;
  // Systems read for their changes: the open source and the cursor it reached.
  std::map<std::size_t, std::pair<std::unique_ptr<plugin::SourceStream>, std::string>> read_to_;
  // Per system: the keys read this cycle (64-bit hashes, as a flow's run keeps them).
  std::vector<KeySet> seen_;
  std::vector<std::size_t> whole_;  // systems read whole this cycle
  std::vector<std::optional<MemberIndex>> indexes_;
  std::vector<std::vector<bool>> quiet_;  // per system and index entry: read this cycle
  bool use_indexes_ = false;
  bool all_links_loaded_ = false;
  bool new_records_ = false;              // a record no index holds was read
  std::set<std::int64_t> changed_links_;  // links of records read with other values
  long long unchanged_ = 0;               // records skipped as unchanged

  std::string chain() const { return "sync:" + c_.sync.name; }
};

}  // namespace

SyncOutcome plan_sync(SyncContext &context) {
  return Cycle(context).plan();
}

SyncOutcome run_sync(SyncContext &context) {
  Cycle cycle(context);
  SyncOutcome out = cycle.plan();
  cycle.apply(out);
  return out;
}

std::vector<std::string> describe_plan(const SyncOutcome &outcome) {
  const SyncModel &m = outcome.model;
  const CyclePlan &plan = outcome.plan;
  const auto link_name = [&](std::int64_t id) {
    return id < 0 ? std::string("a new record") : "link " + std::to_string(id);
  };
  const auto quoted = [](const Value &v) { return v ? "'" + *v + "'" : std::string("empty"); };
  std::map<std::pair<std::int64_t, std::size_t>, const Decision *> decisions;
  for (const auto &d : plan.decisions) {
    if (d.field) decisions[{d.link, *d.field}] = &d;
  }
  std::vector<std::string> lines;
  for (const auto &match : plan.matches) {
    lines.push_back("link " + m.systems[match.system].name + ":" + readable_key(match.key) +
                    " to " + link_name(match.link) + " (match rule " +
                    std::to_string(match.rule + 1) + ")");
  }
  for (const auto &w : plan.writes) {
    const std::string where = m.systems[w.system].name;
    std::string line;
    if (w.kind == WriteKind::remove) {
      line = "delete " + where + ":" + readable_key(w.key);
    } else {
      line = w.kind == WriteKind::create ? "create in " + where + " (" + link_name(w.link) + "):"
                                         : "update " + where + ":" + readable_key(w.key) + ":";
      for (const auto &f : w.fields) {
        line += " " + m.fields[f.field] + " = " + quoted(f.value);
        if (const auto it = decisions.find({w.link, f.field});
            it != decisions.end() && it->second->rule != Rule::one_side) {
          line += std::string(" (") + rule_name(it->second->rule) + " " +
                  m.systems[it->second->winner].name + ")";
        }
        line += ";";
      }
      if (!line.empty() && line.back() == ';') line.pop_back();
    }
    lines.push_back(line);
  }
  for (const auto &r : plan.reviews) {
    std::string line = std::string("review (") + kind_name(r.kind) + ") " +
                       m.systems[r.system].name + ":" + readable_key(r.key);
    if (r.field) line += " field " + m.fields[*r.field] + ":";
    for (std::size_t s = 0; s < r.values.size(); ++s) {
      if (r.values[s]) line += " " + m.systems[s].name + " " + quoted(r.values[s]);
    }
    if (!r.candidates.empty())
      line += " matches " + std::to_string(r.candidates.size()) + " records";
    lines.push_back(line);
  }
  return lines;
}

}  // namespace junction::engine::sync
