#include "engine/delivery.hpp"

#include <spdlog/spdlog.h>

#include "engine/record_hash.hpp"
#include "engine/record_text.hpp"
#include "engine/written_fields.hpp"

namespace junction::engine {
namespace {

constexpr const char *deleted_hash = "deleted";

// A batch made of some rows of another, sharing its field list and text. While the rows
// are the other's from its first on, in order, with no key of the target's own (a first
// load), nothing is copied: a selection of all of them is the other batch itself.
class Selection {
 public:
  explicit Selection(const jn_batch &from) : from_(from) {}
  // `member_key` (the target's own key of the record) must outlive the selection.
  void add(std::size_t row, std::string_view member_key) {
    if (records_.empty() && row == leading_ && member_key.empty()) {
      ++leading_;
      return;
    }
    copy_leading();
    copy(row, member_key);
  }
  const jn_batch &batch() {
    if (records_.empty() && leading_ == from_.record_count) return from_;
    copy_leading();
    batch_ = from_;
    batch_.struct_size = sizeof(jn_batch);
    batch_.record_count = records_.size();
    batch_.records = records_.data();
    batch_.values = values_.data();
    batch_.member_keys = member_keys_.data();
    return batch_;
  }

 private:
  void copy(std::size_t row, std::string_view member_key) {
    records_.push_back(from_.records[row]);
    values_.insert(values_.end(), from_.values + row * from_.field_count,
                   from_.values + (row + 1) * from_.field_count);
    member_keys_.push_back(make_str(member_key));
  }
  // The rows added while they were still the other's own first ones.
  void copy_leading() {
    for (std::size_t row = 0; row < leading_; ++row) copy(row, {});
    leading_ = 0;
  }

  const jn_batch &from_;
  std::size_t leading_ = 0;  // rows 0 .. leading_-1 added, not yet copied
  std::vector<jn_record> records_;
  std::vector<jn_value> values_;
  std::vector<jn_str> member_keys_;
  jn_batch batch_{};
};

}  // namespace

void record_delivered(store::MemberRepository &states, store::AuditLog &audit,
                      const std::string &source_connector, const std::string &source_entity,
                      DeliveredChanges &delivered) {
  states.register_field_sets(delivered.field_sets);
  if (!delivered.links.empty()) {
    const auto ids = states.record_links(source_connector, source_entity, delivered.links);
    std::unordered_map<std::string_view, long long> by_member;
    for (std::size_t i = 0; i < ids.size(); ++i) by_member[delivered.links[i].member_key] = ids[i];
    for (auto &w : delivered.writes) {
      if (auto it = by_member.find(w.key); it != by_member.end()) w.link_id = it->second;
    }
  }
  states.record_writes(delivered.writes);
  states.refresh_fingerprints(delivered.refreshes);
  audit.append_changes(delivered.context, delivered.changes);
}

ChangeRecorder record_at_once(store::MemberRepository &states, store::AuditLog &audit,
                              const std::string &source_connector,
                              const std::string &source_entity) {
  return [&states, &audit, source_connector, source_entity](DeliveredChanges &&delivered) {
    record_delivered(states, audit, source_connector, source_entity, delivered);
  };
}

Delivery::Delivery(DeliverySettings settings, plugin::SinkStream &sink,
                   store::MemberRepository &known, ChangeRecorder record)
    : settings_(std::move(settings)),
      sink_(sink),
      known_(known),
      record_(std::move(record)),
      random_(std::random_device{}()) {}

// A sink failing as a whole is retried like a record; when it keeps failing the run stops
// calling it (the circuit opens) and fails.
std::vector<jn_outcome> Delivery::write_with_retries(const jn_batch &batch) {
  const auto started = std::chrono::steady_clock::now();
  for (int attempt = 1;; ++attempt) {
    try {
      return sink_.write(batch);
    } catch (const plugin::CallError &e) {
      const auto elapsed = std::chrono::steady_clock::now() - started;
      if (e.status() != JN_TRANSIENT || attempt >= settings_.retry.max_attempts ||
          elapsed >= settings_.retry.max_elapsed) {
        throw plugin::CallError(e.status(), std::string(e.what()) + " (after " +
                                                std::to_string(attempt) +
                                                (attempt == 1 ? " attempt)" : " attempts)"));
      }
      const auto wait = settings_.retry.delay(attempt + 1, e.retry_after(), random_);
      spdlog::warn("flow {}: {}; retrying in {} ms", settings_.flow, e.what(), wait.count());
      if (!sleep_unless_stopped(wait)) throw plugin::CallError(JN_TRANSIENT, e.what());
    }
  }
}

const std::vector<std::string> *Delivery::field_list(std::string_view set_hash) {
  const std::string key(set_hash);
  if (auto it = field_lists_.find(key); it != field_lists_.end()) return &it->second;
  const auto names = known_.field_set_names(key);
  if (!names) return nullptr;
  std::vector<std::string> list;
  std::size_t start = 0;
  while (start <= names->size()) {
    const auto end = names->find('\x1f', start);
    if (end == std::string::npos) break;
    list.push_back(names->substr(start, end - start));
    start = end + 1;
  }
  return &field_lists_.emplace(key, std::move(list)).first->second;
}

void Delivery::note_unchanged(const DeliveryRow &row, const store::Comparison &known,
                              const std::string &member_key, DeliveredChanges &delivered) const {
  const std::uint64_t now = row.source_fingerprint;
  const std::uint64_t before = known.source_fingerprint;
  if (now == 0 || before == now || settings_.fingerprints == nullptr) return;
  if (before != 0 && !settings_.fingerprints->made_here(before)) return;
  delivered.refreshes.push_back({member_key, now});
}

void Delivery::deliver(const jn_batch &mapped, const std::vector<DeliveryRow> &rows,
                       store::RunCounts &counts,
                       const std::function<void(const DeliveryFailure &)> &on_failure,
                       const std::function<void(const DeliveryRow &)> &on_done) {
  if (rows.empty()) return;
  const BatchView view(mapped);
  std::vector<std::string> keys;
  std::vector<std::string> hashes;
  keys.reserve(rows.size());
  hashes.reserve(rows.size());
  for (const auto &r : rows) {
    const RecordView record = view.record(r.mapped_row);
    keys.push_back(r.key);
    // A delete is "unchanged" when the host already deleted that key there.
    hashes.push_back(record.operation() == Operation::remove ? std::string(deleted_hash)
                                                             : content_hash(record, view));
  }
  // A source record linked to a member here is that member, under the key this system
  // gave it; otherwise the member's key is the flow's target key.
  if (!target_has_links_) target_has_links_ = known_.any_linked();
  std::vector<std::string> linked(rows.size());
  if (*target_has_links_) {
    std::vector<std::string> source_keys;
    source_keys.reserve(rows.size());
    for (const auto &r : rows) source_keys.push_back(r.source_key);
    linked =
        known_.linked_members(settings_.source_connector, settings_.source_entity, source_keys);
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (!linked[i].empty()) keys[i] = linked[i];
  }
  std::vector<store::Comparison> known = known_.compare(keys, hashes);

  // The batch's field list: every record of it writes these fields.
  std::vector<std::string> names;
  std::string names_key;
  for (std::size_t f = 0; f < view.field_count(); ++f) {
    names.emplace_back(view.field_name(f));
    names_key += names.back();
    names_key.push_back('\x1f');
  }

  DeliveredChanges delivered;
  struct Pending {
    const DeliveryRow *row;
    const store::Comparison *before;
    std::string hash;
    std::string fields;
    std::vector<std::size_t> changed;  // fields whose value differs from the last written
    std::string last_problem;
    std::string member_key;  // as known before this write
    bool linked = false;
  };
  std::vector<Pending> pending;
  const std::uint64_t list_hash = field_list_hash(view);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (known[i].unchanged) {
      ++counts.unchanged;
      note_unchanged(rows[i], known[i], keys[i], delivered);
      if (on_done) on_done(rows[i]);
      continue;
    }
    const RecordView record = view.record(rows[i].mapped_row);
    std::string fields = record.operation() == Operation::remove
                             ? std::string()
                             : field_hashes(record, view, list_hash);
    FieldDifferences differences;
    if (known[i].known && known[i].written_hash != deleted_hash && !fields.empty()) {
      // Another flow may have written this member last: the fields this flow writes are
      // unchanged when each holds what was last written to it.
      differences = compare_written_fields(
          known[i].field_hashes, fields, names,
          [this](std::string_view set_hash) { return field_list(set_hash); });
      if (differences.all_equal) {
        ++counts.unchanged;
        note_unchanged(rows[i], known[i], keys[i], delivered);
        if (on_done) on_done(rows[i]);
        continue;
      }
    } else {
      for (std::size_t f = 0; f < names.size(); ++f) differences.changed.push_back(f);
    }
    pending.push_back({&rows[i],
                       &known[i],
                       std::move(hashes[i]),
                       std::move(fields),
                       std::move(differences.changed),
                       {},
                       keys[i],
                       !linked[i].empty()});
  }

  delivered.context = store::AuditContext{settings_.actor,
                                          settings_.action,
                                          settings_.flow,
                                          settings_.run_id,
                                          settings_.source_connector,
                                          settings_.target_connector,
                                          {}};
  for (std::size_t f = 0; f < view.field_count(); ++f) {
    if (f > 0) delivered.context.all_fields += ",";
    delivered.context.all_fields += view.field_name(f);
  }
  if (!pending.empty() && view.field_count() > 0) {
    const std::string set_hash = field_hashes(view.record(0), view, list_hash).substr(0, 8);
    if (registered_.insert(set_hash).second) delivered.field_sets.emplace_back(set_hash, names_key);
  }
  const auto started = std::chrono::steady_clock::now();
  for (int attempt = 1; !pending.empty(); ++attempt) {
    Selection selection(mapped);
    for (const auto &p : pending) {
      selection.add(p.row->mapped_row,
                    p.linked ? std::string_view(p.member_key) : std::string_view());
    }
    const auto outcomes = write_with_retries(selection.batch());
    std::vector<Pending> again;
    std::chrono::milliseconds retry_after(0);
    for (std::size_t i = 0; i < pending.size(); ++i) {
      Pending &p = pending[i];
      const jn_outcome &o = outcomes[i];
      if (o.status == JN_OK) {
        const bool existed = p.before->known && p.before->written_hash != deleted_hash;
        store::AuditChange e;
        // The key the target gave the record (a CRM's ID) is the member's key from now on.
        const std::string member_key =
            o.target_key.size > 0
                ? plugin::sanitize_plugin_text({o.target_key.data, o.target_key.size}, 1024)
                : p.member_key;
        e.source_key = readable_key(p.row->source_key);
        e.target_key = member_key == p.row->key ? readable_key(p.row->key) : member_key;
        e.hash_before = existed ? p.before->written_hash : std::string();
        const bool removal = view.record(p.row->mapped_row).operation() == Operation::remove;
        // The sink's word decides what happened in the target, not the host's belief.
        switch (o.action) {
          case JN_WROTE_DELETED:
            ++counts.deleted;
            e.operation = "delete";
            break;
          case JN_WROTE_CREATED:
            ++counts.created;
            e.operation = "create";
            e.all_fields = true;
            e.hash_before.clear();
            break;
          case JN_WROTE_UPDATED:
            ++counts.updated;
            e.operation = "update";
            break;
          case JN_WROTE_NOTHING: ++counts.unchanged; break;
          default:  // JN_WROTE_UNKNOWN, or a value of a later ABI
            ++counts.written;
            e.operation = removal ? "delete" : "write";
            break;
        }
        const std::string_view operation = e.operation;
        if ((operation == "update" || operation == "write") && p.changed.size() == names.size()) {
          e.all_fields = true;  // the context's field list: no text built per record
        } else if (operation == "update" || operation == "write") {
          for (const auto f : p.changed) {
            if (!e.changed_fields.empty()) e.changed_fields += ",";
            e.changed_fields += names[f];
          }
        }
        e.hash_after = p.hash;
        if (!operation.empty()) delivered.changes.push_back(std::move(e));
        delivered.writes.push_back(
            {member_key, std::move(p.hash),
             removal ? std::string()
                     : merge_written_fields(
                           existed ? std::string_view(p.before->field_hashes) : std::string_view(),
                           p.fields),
             0, p.before->known && member_key == p.member_key,
             removal ? 0 : p.row->source_fingerprint});
        // A key of the target's own is only found again through the link.
        if (!p.linked && !p.row->source_key.empty() && !removal && member_key != p.row->key) {
          delivered.links.push_back({p.row->source_key, member_key});
          target_has_links_ = true;
        }
        if (on_done) on_done(*p.row);
        continue;
      }
      const std::string message =
          o.message.size > 0 ? plugin::sanitize_plugin_text({o.message.data, o.message.size})
                             : std::string("the target refused the record");
      if (o.status == JN_TRANSIENT) {
        retry_after = std::max(retry_after, std::chrono::milliseconds(o.retry_after_ms));
        p.last_problem = message;
        again.push_back(std::move(p));
        continue;
      }
      ++counts.failed;
      on_failure({p.row, "rejected", message, attempt});
    }
    if (again.empty()) break;
    const auto elapsed = std::chrono::steady_clock::now() - started;
    const auto wait = settings_.retry.delay(attempt + 1, retry_after, random_);
    spdlog::debug(
        "flow {}: {} records deferred by the target; retrying them in {} ms (the "
        "target asked for {} ms)",
        settings_.flow, again.size(), wait.count(), retry_after.count());
    if (attempt >= settings_.retry.max_attempts || elapsed + wait > settings_.retry.max_elapsed ||
        !sleep_unless_stopped(wait)) {
      for (const auto &p : again) {
        ++counts.failed;
        on_failure({p.row, "transient",
                    "gave up after " + std::to_string(attempt) +
                        (attempt == 1 ? " attempt: " : " attempts: ") + p.last_problem,
                    attempt});
      }
      break;
    }
    pending = std::move(again);
  }
  if (!delivered.writes.empty() || !delivered.refreshes.empty()) record_(std::move(delivered));
}

}  // namespace junction::engine
