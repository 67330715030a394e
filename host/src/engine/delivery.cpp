#include "engine/delivery.hpp"

#include <spdlog/spdlog.h>

#include "engine/record_hash.hpp"
#include "engine/record_text.hpp"

namespace junction::engine {
namespace {

constexpr const char *deleted_hash = "deleted";

// A batch made of some rows of another, sharing its field list and text.
class Selection {
 public:
  explicit Selection(const jn_batch &from) : from_(from) {}
  void add(std::size_t row) {
    records_.push_back(from_.records[row]);
    values_.insert(values_.end(), from_.values + row * from_.field_count,
                   from_.values + (row + 1) * from_.field_count);
  }
  const jn_batch &batch() {
    batch_ = from_;
    batch_.record_count = records_.size();
    batch_.records = records_.data();
    batch_.values = values_.data();
    return batch_;
  }

 private:
  const jn_batch &from_;
  std::vector<jn_record> records_;
  std::vector<jn_value> values_;
  jn_batch batch_{};
};

}  // namespace

ChangeRecorder record_at_once(store::RecordStateRepository &states, store::AuditLog &audit,
                              const std::string &run_id) {
  return [&states, &audit, run_id](DeliveredChanges &&delivered) {
    states.record_writes(delivered.writes, run_id);
    audit.append_changes(delivered.context, delivered.changes);
  };
}

Delivery::Delivery(DeliverySettings settings, plugin::SinkStream &sink,
                   store::RecordStateRepository &known, ChangeRecorder record)
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
      const auto wait = settings_.retry.delay(attempt + 1, std::chrono::milliseconds(0), random_);
      spdlog::warn("flow {}: {}; retrying in {} ms", settings_.flow, e.what(), wait.count());
      if (!sleep_unless_stopped(wait)) throw plugin::CallError(JN_TRANSIENT, e.what());
    }
  }
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
  std::vector<store::Comparison> known = known_.compare(keys, hashes);

  struct Pending {
    const DeliveryRow *row;
    const store::Comparison *before;
    std::string hash;
    std::string fields;
    std::string last_problem;
  };
  std::vector<Pending> pending;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (known[i].unchanged) {
      ++counts.unchanged;
      if (on_done) on_done(rows[i]);
      continue;
    }
    pending.push_back({&rows[i],
                       &known[i],
                       std::move(hashes[i]),
                       field_hashes(view.record(rows[i].mapped_row), view),
                       {}});
  }

  DeliveredChanges delivered;
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
  const auto started = std::chrono::steady_clock::now();
  for (int attempt = 1; !pending.empty(); ++attempt) {
    Selection selection(mapped);
    for (const auto &p : pending) selection.add(p.row->mapped_row);
    const auto outcomes = write_with_retries(selection.batch());
    std::vector<Pending> again;
    std::chrono::milliseconds retry_after(0);
    for (std::size_t i = 0; i < pending.size(); ++i) {
      Pending &p = pending[i];
      const jn_outcome &o = outcomes[i];
      if (o.status == JN_OK) {
        const bool existed = p.before->known && p.before->written_hash != deleted_hash;
        store::AuditChange e;
        e.source_key = readable_key(p.row->source_key);
        e.target_key = readable_key(p.row->key);
        if (o.action == JN_WROTE_DELETED) {
          ++counts.deleted;
          e.operation = "delete";
        } else if (existed) {
          ++counts.updated;
          e.operation = "update";
          e.changed_fields = changed_fields(p.before->field_hashes, p.fields, view);
          e.hash_before = p.before->written_hash;
        } else {
          ++counts.created;
          e.operation = "create";
          e.all_fields = true;
        }
        e.hash_after = p.hash;
        delivered.changes.push_back(std::move(e));
        delivered.writes.push_back({p.row->key, std::move(p.hash), std::move(p.fields)});
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
  if (!delivered.writes.empty()) record_(std::move(delivered));
}

}  // namespace junction::engine
