#include "engine/flow_runner.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>
#include <set>

#include <soci/soci.h>
#include <spdlog/spdlog.h>

#include "engine/delivery.hpp"
#include "engine/key_set.hpp"
#include "engine/quota_governor.hpp"
#include "engine/record_text.hpp"
#include "engine/retry_policy.hpp"
#include "engine/stage_thread.hpp"
#include "log/secret_redaction.hpp"
#include "store/audit_log.hpp"
#include "store/error_queue_repository.hpp"
#include "store/member_repository.hpp"
#include "store/quota_repository.hpp"
#include "store/snapshot_repository.hpp"
#include "store/store_failure.hpp"
#include "version.hpp"

namespace junction::engine {
namespace {

std::string stream_name(const config::Endpoint &end) {
  return end.connector + "/" + end.entity;
}

void add_counts(store::RunCounts &to, const store::RunCounts &from) {
  to.read += from.read;
  to.created += from.created;
  to.updated += from.updated;
  to.unchanged += from.unchanged;
  to.deleted += from.deleted;
  to.failed += from.failed;
  to.filtered += from.filtered;
  to.written += from.written;
}

// The parts of a flow's definition that decide what a source record maps to: an edit of
// any of them makes every record of the flow be mapped and compared again once.
std::string what_decides_the_mapping(const config::FlowConfig &flow) {
  const auto part = [&](const char *name) {
    const auto it = flow.definition.find(name);
    return it == flow.definition.end() ? nlohmann::json() : *it;
  };
  return nlohmann::json{{"mapping", part("mapping")},
                        {"order", flow.mapping_order},
                        {"filter", part("filter")},
                        {"from_key", flow.from.key},
                        {"to_key", flow.to.key}}
      .dump();
}

// A mapped batch on its way from the run's thread to the delivering one, with a copy of
// the source records that reached delivery: the source's own batch is gone by the time a
// write fails and the record as read goes to the error queue.
struct Handoff {
  BatchBuilder source;  // record i is the one rows[i] was mapped from
  BatchBuilder mapped;
  std::vector<DeliveryRow> rows;
};

class Run {
 public:
  Run(FlowContext &context, std::string run_id)
      : c_(context),
        run_id_(std::move(run_id)),
        session_(c_.store.session()),
        reader_(c_.store.open_reader()),
        known_(*reader_, c_.flow.to.connector, c_.flow.to.entity),
        fingerprint_reader_(c_.store.open_reader()),
        written_before_(*fingerprint_reader_, c_.flow.to.connector, c_.flow.to.entity),
        fingerprints_(c_.flow.name, what_decides_the_mapping(c_.flow), JUNCTION_VERSION),
        errors_(session_),
        refused_reader_(*reader_),
        states_(session_, c_.flow.to.connector, c_.flow.to.entity),
        audit_(session_, c_.store.backend()),
        runs_(session_),
        retry_(RetryPolicy::from_config(c_.flow.definition.value("retry", nlohmann::json()))),
        snapshot_deletes_(c_.flow.definition.value("deletes_from_snapshot", false)),
        snapshot_(session_, c_.flow.name),
        quotas_(session_) {}

  void execute(FlowResult &result) {
    const std::string stream = stream_name(c_.flow.from);
    plugin::SourceOptions options;
    options.entity = c_.flow.from.entity;
    options.cursor = runs_.cursor(c_.flow.name, stream).value_or("");
    options.batch_size = static_cast<std::uint32_t>(c_.flow.definition.value("batch_size", 1000));
    options.key_fields = c_.flow.from.key;
    options.fields = c_.mapping.source_fields();
    if (!options.fields.empty()) {
      for (const auto &k : options.key_fields) {
        if (std::find(options.fields.begin(), options.fields.end(), k) == options.fields.end()) {
          options.fields.push_back(k);
        }
      }
    }
    if (snapshot_deletes_) options.mode = JN_READ_SNAPSHOT;
    const std::int64_t checkpoint_every =
        c_.flow.definition.value("checkpoint_every", std::int64_t{0});

    auto source = open_source_with_retries(options);
    result.reading = true;
    sink_ = c_.target.open_sink(c_.flow.to.entity, c_.mapping.target_key(), run_id_);
    // Three stages: this thread reads and maps, deliverer_'s compares with the store and
    // writes to the sink, writer_'s records in the store.
    delivery_ = std::make_unique<Delivery>(
        DeliverySettings{c_.flow.name, run_id_, c_.actor, "write", c_.flow.from.connector,
                         c_.flow.to.connector, retry_, c_.flow.from.entity, &fingerprints_},
        *sink_, known_, [this](DeliveredChanges &&changes) {
          writer_.submit([this, changes = std::move(changes)]() mutable {
            record_delivered(states_, audit_, c_.flow.from.connector, c_.flow.from.entity, changes);
            c_.store.start_writeback();
          });
        });
    std::string cursor = options.cursor;
    has_refused_ = refused_reader_.has_open_rejected_writes(c_.flow.name);
    states_.register_systems(c_.flow.from.connector, c_.flow.from.entity);
    // A first load has nothing to skip: it looks nothing up before mapping.
    skip_unchanged_ = written_before_.holds_members();
    if (skip_unchanged_) resolve_links_ = written_before_.any_linked();
    transaction_ = std::make_unique<soci::transaction>(session_);
    load_quota_use(QuotaGovernor::process(), quotas_);
    runs_.start(run_id_, c_.flow.name, c_.actor);
    std::int64_t since_checkpoint = 0;
    bool interrupted = false;
    for (;;) {
      const jn_source_batch &next = next_with_retries(source, options, cursor);
      if (next.batch != nullptr && next.batch->record_count > 0) {
        since_checkpoint += static_cast<std::int64_t>(next.batch->record_count);
        handle_batch(*next.batch);
      }
      cursor.assign(next.cursor.data, next.cursor.size);
      c_.progress.update(counts_.read);
      if (next.end != 0) break;
      if (stop_requested()) {
        interrupted = true;
        break;
      }
      if (checkpoint_every > 0 && since_checkpoint >= checkpoint_every) {
        checkpoint(*source, stream, cursor, "running");
        transaction_ = std::make_unique<soci::transaction>(session_);
        since_checkpoint = 0;
      }
    }
    if (snapshot_deletes_ && !interrupted) delete_what_the_snapshot_lacks();
    result.counts = checkpoint(*source, stream, cursor, interrupted ? "interrupted" : nullptr);
    result.interrupted = interrupted;
    transaction_ = nullptr;
    if (skipped_unmapped_ > 0) {
      spdlog::debug(
          "flow {}: {} records read as they did when last written and were not mapped "
          "again",
          c_.flow.name, skipped_unmapped_);
    }
    fold_member_updates();
    if (refused_unchanged_ > 0) {
      spdlog::info(
          "flow {}: {} records that {}/{} refused before are unchanged and were not "
          "sent again (counted unchanged; `junction errors retry` sends them)",
          c_.flow.name, refused_unchanged_, c_.flow.to.connector, c_.flow.to.entity);
    }
  }

 private:
  // Every stage first finishes what it was handed; then the sink commits, then the store:
  // a crash between the two re-sends records the sink already has (at least once), never
  // skips any. `state` null: the run has finished. Returns the run's counts so far.
  store::RunCounts checkpoint(plugin::SourceStream &source, const std::string &stream,
                              const std::string &cursor, const char *state) {
    deliverer_.drain();
    sink_->commit();
    writer_.drain();
    store::RunCounts total = counts_;
    add_counts(total, delivered_);
    const std::string status =
        state != nullptr ? state : (total.failed > 0 ? "finished_with_errors" : "finished");
    runs_.save_cursor(c_.flow.name, stream, cursor, run_id_);
    runs_.finish(run_id_, status, total, "");
    save_quota_use(QuotaGovernor::process(), quotas_);
    {
      const auto writing_out = c_.store.writeback_while_committing();
      transaction_->commit();
    }
    // Everything up to the cursor is now durable on both sides.
    source.acknowledge(cursor);
    return total;
  }

  // Once the run has committed, in a short transaction of its own: member_updates folded
  // back into member_state when they have grown large. A failure costs nothing but the
  // fold, which a later run does.
  void fold_member_updates() {
    try {
      soci::transaction fold(session_);
      const std::size_t folded = states_.fold_updates();
      fold.commit();
      if (folded > 0) {
        spdlog::debug("flow {}: folded {} member updates of {}/{}", c_.flow.name, folded,
                      c_.flow.to.connector, c_.flow.to.entity);
      }
    } catch (const std::exception &e) {
      spdlog::warn("flow {}: folding member updates of {}/{} failed: {}", c_.flow.name,
                   c_.flow.to.connector, c_.flow.to.entity, store::readable_failure(e.what()));
    }
  }

  std::unique_ptr<plugin::SourceStream> open_source_with_retries(
      const plugin::SourceOptions &options) {
    for (int attempt = 1;; ++attempt) {
      try {
        return c_.source.open_source(options);
      } catch (const plugin::CallError &e) {
        wait_or_rethrow(e, attempt);
      }
    }
  }

  // After a failed read the source's position is unknown: it is opened again at the last
  // cursor it returned, so that nothing it had half-read is skipped.
  const jn_source_batch &next_with_retries(std::unique_ptr<plugin::SourceStream> &source,
                                           plugin::SourceOptions &options,
                                           const std::string &cursor) {
    for (int attempt = 1;; ++attempt) {
      try {
        return source->next();
      } catch (const plugin::CallError &e) {
        wait_or_rethrow(e, attempt);
        source.reset();
        options.cursor = cursor;
        source = open_source_with_retries(options);
      }
    }
  }

  void wait_or_rethrow(const plugin::CallError &e, int attempt) {
    if (e.status() != JN_TRANSIENT || attempt >= retry_.max_attempts) {
      throw plugin::CallError(e.status(), std::string(e.what()) + " (after " +
                                              std::to_string(attempt) +
                                              (attempt == 1 ? " attempt)" : " attempts)"));
    }
    const auto wait = retry_.delay(attempt + 1, e.retry_after(), random_);
    spdlog::warn("flow {}: {}; retrying in {} ms", c_.flow.name, e.what(), wait.count());
    if (!sleep_unless_stopped(wait)) throw plugin::CallError(JN_TRANSIENT, e.what());
  }

  void fail(const RecordView &record, const BatchView &batch, const std::string &stage,
            const std::string &status, const std::string &message, const std::string &key,
            int attempts = 1) {
    fail_into(failed_, record, batch, stage, status, message, key, attempts);
  }

  void fail_into(std::vector<store::FailedRecord> &into, const RecordView &record,
                 const BatchView &batch, const std::string &stage, const std::string &status,
                 const std::string &message, const std::string &key, int attempts) {
    store::FailedRecord f;
    f.flow = c_.flow.name;
    f.run_id = run_id_;
    f.source_connector = c_.flow.from.connector;
    f.source_entity = c_.flow.from.entity;
    f.source_key = key;
    f.origin = std::string(record.origin());
    f.stage = stage;
    f.status = status;
    f.message = message;
    f.attempts = attempts;
    nlohmann::json as_read = record_json(record, batch);
    if (record.failed() && !record.raw().empty()) as_read["_raw"] = std::string(record.raw());
    f.record = as_read.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    into.push_back(std::move(f));
  }

  // For each record of `in` that reads as it did when this flow last wrote (or found) its
  // target member, under this flow's mapping: the flow's target key for it; "" for the
  // others, which are mapped and compared as usual. `fingerprints` gets every record's.
  std::vector<std::string> written_as_read(const BatchView &in,
                                           const std::vector<std::string> &target_fields,
                                           const std::vector<std::size_t> &target_key,
                                           const std::vector<std::size_t> &source_key,
                                           std::uint64_t fingerprint_seed,
                                           std::vector<std::uint64_t> &fingerprints) {
    std::vector<std::string> out(in.size());
    fingerprints.assign(in.size(), 0);
    std::vector<std::size_t> rows;
    std::vector<std::string> member_keys;
    std::vector<std::uint64_t> wanted;
    key_only_.clear();
    key_only_.set_fields(target_fields);
    for (std::size_t i = 0; i < in.size(); ++i) {
      const RecordView record = in.record(i);
      if (record.failed()) continue;
      fingerprints[i] = fingerprints_.of(record, fingerprint_seed);
      if (record.operation() == Operation::remove || !c_.mapping.accepts(record)) continue;
      const auto row = key_only_.add_record();
      if (c_.mapping.apply(record, key_only_, row, true)) continue;  // mapped as usual: fails
      const BatchView mapped(*key_only_.batch());
      const RecordView keys = mapped.record(row);
      bool empty_key = false;
      for (const auto k : target_key) {
        empty_key |= keys.value(k).is_null() || keys.value(k).is_absent();
      }
      if (empty_key) continue;
      rows.push_back(i);
      out[i] = key_text(keys, target_key);
      member_keys.push_back(out[i]);
      wanted.push_back(fingerprints[i]);
    }
    if (resolve_links_) {
      // A record linked to a member here is that member, under the key this system gave it.
      std::vector<std::string> source_keys;
      source_keys.reserve(rows.size());
      for (const auto i : rows) source_keys.push_back(key_text(in.record(i), source_key));
      const auto linked =
          written_before_.linked_members(c_.flow.from.connector, c_.flow.from.entity, source_keys);
      for (std::size_t j = 0; j < rows.size(); ++j) {
        if (!linked[j].empty()) member_keys[j] = linked[j];
      }
    }
    const auto same = written_before_.written_from(member_keys, wanted);
    for (std::size_t j = 0; j < rows.size(); ++j) {
      if (!same[j]) {
        out[rows[j]].clear();
      } else {
        seen_keys_.prefetch_hash(KeySet::hash_of(out[rows[j]]));  // inserted next
      }
    }
    return out;
  }

  // A target key is handled once per run: a second record with it is refused.
  bool claim_key(const std::string &key, const RecordView &record, const BatchView &in,
                 const std::string &skey) {
    if (seen_keys_.insert(key)) return true;
    fail(record, in, "validate", "rejected",
         "another record in this run already has the key '" + readable_key(key) + "' in " +
             c_.flow.to.connector + "/" + c_.flow.to.entity,
         skey);
    ++counts_.failed;
    return false;
  }

  void handle_batch(const jn_batch &raw) {
    const BatchView in(raw);
    c_.mapping.bind(in);
    std::vector<std::size_t> source_key;
    for (std::size_t k = 0; k < in.key_count(); ++k) source_key.push_back(in.key_field(k));

    auto handoff = std::make_shared<Handoff>();
    BatchBuilder &target = handoff->mapped;
    std::vector<std::string> source_fields;
    for (std::size_t f = 0; f < in.field_count(); ++f) {
      source_fields.emplace_back(in.field_name(f));
    }
    handoff->source.set_fields(source_fields);
    const auto target_fields = c_.mapping.target_fields(in);
    target.set_fields(target_fields);
    std::vector<std::size_t> target_key;
    std::vector<std::uint32_t> target_key32;
    for (const auto &k : c_.mapping.target_key()) {
      const auto it = std::find(target_fields.begin(), target_fields.end(), k);
      target_key.push_back(static_cast<std::size_t>(it - target_fields.begin()));
      target_key32.push_back(static_cast<std::uint32_t>(target_key.back()));
    }
    target.set_key_fields(target_key32);
    handoff->source.reserve(in.size());
    target.reserve(in.size());
    handoff->rows.reserve(in.size());
    const std::uint64_t fingerprint_seed = fingerprints_.seed_for(in);
    std::vector<std::uint64_t> fingerprints;
    std::vector<std::string> unchanged;
    if (skip_unchanged_) {
      unchanged = written_as_read(in, target_fields, target_key, source_key, fingerprint_seed,
                                  fingerprints);
    }

    for (std::size_t i = 0; i < in.size(); ++i) {
      const RecordView record = in.record(i);
      ++counts_.read;
      const std::string skey = key_text(record, source_key);
      if (record.failed()) {
        fail(record, in, "parse", "rejected", std::string(record.error()), skey);
        ++counts_.failed;
        continue;
      }
      if (!c_.mapping.accepts(record)) {
        ++counts_.filtered;
        continue;  // not seen: a record that stops passing the filter leaves the target
      }
      if (snapshot_deletes_) seen_.emplace_back(skey, std::string());
      if (!unchanged.empty() && !unchanged[i].empty()) {
        std::string &key = unchanged[i];
        if (!claim_key(key, record, in, skey)) continue;
        if (snapshot_deletes_) seen_.back().second = std::move(key);
        ++counts_.unchanged;
        ++skipped_unmapped_;
        continue;
      }
      const auto row = target.add_record(static_cast<Operation>(raw.records[i].op),
                                         record.changed_at(), record.origin());
      if (auto problem = c_.mapping.apply(record, target, row)) {
        target.drop_last_record();
        fail(record, in, "map", "rejected", *problem, skey);
        ++counts_.failed;
        continue;
      }
      const BatchView out(*target.batch());
      const RecordView mapped = out.record(row);
      bool empty_key = false;
      for (const auto k : target_key) {
        empty_key |= mapped.value(k).is_null() || mapped.value(k).is_absent();
      }
      std::string key = key_text(mapped, target_key);
      if (empty_key) {
        target.drop_last_record();
        fail(record, in, "validate", "rejected",
             "the key (" + join(c_.mapping.target_key()) + ") is empty", skey);
        ++counts_.failed;
        continue;
      }
      if (!claim_key(key, record, in, skey)) {
        target.drop_last_record();
        continue;
      }
      if (snapshot_deletes_) seen_.back().second = key;
      handoff->rows.push_back(DeliveryRow{
          row, std::move(key), skey, 0,
          fingerprints.empty() ? fingerprints_.of(record, fingerprint_seed) : fingerprints[i]});
      const auto copy = handoff->source.add_record(static_cast<Operation>(raw.records[i].op),
                                                   record.changed_at(), record.origin());
      for (std::size_t f = 0; f < in.field_count(); ++f) {
        handoff->source.set(copy, f, record.value(f));
      }
    }
    submit_failures();
    if (!handoff->rows.empty()) {
      deliverer_.submit([this, handoff] { deliver(*handoff); });
    }
    if (!seen_.empty()) {
      writer_.submit([this, seen = std::move(seen_)] { snapshot_.record_seen(seen, run_id_); });
      seen_.clear();
    }
    seen_any_ |= in.size() > 0;
  }

  // Rows of `handoff` whose record the target refused in an earlier run and that read the
  // same now (the error queue holds it as read).
  std::set<std::size_t> refused_before(const Handoff &handoff, const BatchView &in) {
    std::set<std::size_t> out;
    if (!has_refused_) return out;
    std::vector<std::string> keys;
    for (const auto &r : handoff.rows) keys.push_back(r.source_key);
    const auto queued = refused_reader_.open_rejected_writes(c_.flow.name, keys);
    if (queued.empty()) return out;
    for (std::size_t i = 0; i < handoff.rows.size(); ++i) {
      const auto it = queued.find(handoff.rows[i].source_key);
      if (it == queued.end()) continue;
      const RecordView record = in.record(i);
      if (record.operation() == Operation::remove) continue;
      std::string as_read =
          record_json(record, in).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      log::redact_in_place(as_read);  // as the queue keeps it
      if (as_read == it->second) out.insert(i);
    }
    return out;
  }

  // On deliverer_'s thread. A record the target refused before and that is the same now
  // is not sent again (an API's quota is not spent on a known refusal): it stays in the
  // error queue, and `errors retry` sends it.
  void deliver(Handoff &handoff) {
    const BatchView in(*handoff.source.batch());
    const auto refused = refused_before(handoff, in);
    // Usually nothing was refused before: the batch's rows go as they are, uncopied.
    std::vector<DeliveryRow> kept;
    std::vector<std::size_t> source_row;  // per row kept: its record in `in`
    if (!refused.empty()) {
      for (std::size_t i = 0; i < handoff.rows.size(); ++i) {
        if (refused.contains(i)) continue;
        kept.push_back(handoff.rows[i]);
        source_row.push_back(i);
      }
      delivered_.unchanged += static_cast<long long>(refused.size());
      refused_unchanged_ += static_cast<long long>(refused.size());
    }
    const std::vector<DeliveryRow> &rows = refused.empty() ? handoff.rows : kept;
    if (rows.empty()) return;
    delivery_->deliver(*handoff.mapped.batch(), rows, delivered_, [&](const DeliveryFailure &f) {
      const auto at = static_cast<std::size_t>(f.row - rows.data());
      const std::size_t index = refused.empty() ? at : source_row[at];
      fail_into(delivery_failed_, in.record(index), in, "write", f.status, f.message,
                f.row->source_key, f.attempts);
    });
    if (!delivery_failed_.empty()) {
      writer_.submit(
          [this, failed = std::move(delivery_failed_)]() mutable { errors_.add(failed); });
      delivery_failed_.clear();
    }
  }

  // After a whole snapshot: what the host saw before but not this time is gone from the
  // source, and is deleted from the target.
  void delete_what_the_snapshot_lacks() {
    deliverer_.drain();
    writer_.drain();  // every record seen is recorded
    const auto gone = snapshot_.unseen(run_id_);
    if (gone.empty()) return;
    if (!seen_any_) {
      spdlog::warn("flow {}: the source snapshot was empty; {} deletes were not applied",
                   c_.flow.name, gone.size());
      return;
    }
    const auto &key_fields = c_.mapping.target_key();
    BatchBuilder deletes;
    deletes.set_fields(key_fields);
    std::vector<std::uint32_t> key_index;
    for (std::uint32_t i = 0; i < key_fields.size(); ++i) key_index.push_back(i);
    deletes.set_key_fields(key_index);
    std::vector<DeliveryRow> rows;
    for (const auto &[source_key, target_key] : gone) {
      const auto row = deletes.add_record(Operation::remove, JN_TIME_UNKNOWN, "snapshot");
      std::size_t start = 0;
      for (std::size_t f = 0; f < key_fields.size(); ++f) {
        const auto end = target_key.find('\x1f', start);
        deletes.set(row, f, Value::string(target_key.substr(start, end - start)));
        start = end == std::string::npos ? target_key.size() : end + 1;
      }
      rows.push_back(DeliveryRow{row, target_key, source_key, 0});
    }
    std::vector<std::string> deleted;
    delivery_->deliver(
        *deletes.batch(), rows, counts_,
        [&](const DeliveryFailure &f) {
          store::FailedRecord failed;
          failed.flow = c_.flow.name;
          failed.run_id = run_id_;
          failed.source_connector = c_.flow.from.connector;
          failed.source_entity = c_.flow.from.entity;
          failed.source_key = f.row->source_key;
          failed.origin = "snapshot";
          failed.stage = "write";
          failed.status = f.status;
          failed.message = "deleting " + readable_key(f.row->key) + ": " + f.message;
          failed.record = "{}";
          failed.attempts = f.attempts;
          failed_.push_back(std::move(failed));
        },
        [&](const DeliveryRow &row) { deleted.push_back(row.source_key); });
    writer_.submit([this, deleted = std::move(deleted)] { snapshot_.mark_deleted(deleted); });
    submit_failures();
  }

  void submit_failures() {
    if (failed_.empty()) return;
    writer_.submit([this, failed = std::move(failed_)]() mutable { errors_.add(failed); });
    failed_.clear();
  }

  static std::string join(const std::vector<std::string> &items) {
    std::string out;
    for (const auto &i : items) out += (out.empty() ? "" : ", ") + i;
    return out;
  }

  FlowContext &c_;
  std::string run_id_;
  soci::session &session_;  // written by writer_'s thread between submit() and drain()
  std::unique_ptr<soci::session> reader_;
  store::MemberRepository known_;  // hashes last written, read through reader_
  // On the run's thread, before mapping: whose records read as they did when written.
  std::unique_ptr<soci::session> fingerprint_reader_;
  store::MemberRepository written_before_;
  SourceFingerprint fingerprints_;
  bool skip_unchanged_ = false;
  bool resolve_links_ = false;
  long long skipped_unmapped_ = 0;
  BatchBuilder key_only_;  // records mapped to their target key alone
  store::ErrorQueueRepository errors_;
  store::ErrorQueueRepository refused_reader_;  // through reader_, on deliverer_'s thread
  bool has_refused_ = false;         // the flow has records its target refused, still queued
  long long refused_unchanged_ = 0;  // deliverer_'s thread: such records not sent again
  store::MemberRepository states_;
  store::AuditLog audit_;
  store::RunRepository runs_;
  RetryPolicy retry_;
  std::mt19937_64 random_{std::random_device{}()};
  store::RunCounts counts_;     // kept by the run's thread
  store::RunCounts delivered_;  // kept by deliverer_'s thread
  std::vector<store::FailedRecord> failed_;
  std::vector<store::FailedRecord> delivery_failed_;  // deliverer_'s thread
  KeySet seen_keys_;  // target keys this run has handled, to catch duplicates
  bool snapshot_deletes_;
  store::SnapshotRepository snapshot_;  // what this flow saw in its source's snapshots
  store::QuotaRepository quotas_;       // API requests spent per account and day
  std::vector<std::pair<std::string, std::string>> seen_;
  bool seen_any_ = false;
  std::unique_ptr<soci::transaction> transaction_;
  std::unique_ptr<plugin::SinkStream> sink_;
  std::unique_ptr<Delivery> delivery_;
  // Last, stopped first (deliverer_ before writer_, which it feeds) before anything they
  // use is destroyed.
  StageThread writer_{"store-writer"};
  StageThread deliverer_{"deliverer"};
};

}  // namespace

std::string new_run_id() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::random_device random;
  char text[48];
  std::snprintf(text, sizeof text, "%04d%02d%02dT%02d%02d%02dZ-%06x", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<unsigned>(random() & 0xFFFFFF));
  return text;
}

FlowResult run_flow(FlowContext &context) {
  FlowResult result;
  result.flow = context.flow.name;
  result.run_id = new_run_id();
  const auto started = std::chrono::steady_clock::now();
  context.progress.start(context.flow.name);
  try {
    Run run(context, result.run_id);
    run.execute(result);
  } catch (const std::exception &e) {
    result.failed = true;
    result.message = store::readable_failure(e.what());
    spdlog::error("flow {} failed: {}", context.flow.name, result.message);
    try {
      store::RunRepository runs(context.store.session());
      try {
        runs.start(result.run_id, context.flow.name, context.actor);
      } catch (const std::exception &) {
        // A checkpoint already recorded this run.
      }
      runs.finish(result.run_id, "failed", result.counts, result.message);
    } catch (const std::exception &) {
      // The store itself may be what failed; the error above says so.
    }
  }
  context.progress.finish();
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace junction::engine
