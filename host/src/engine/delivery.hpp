// Delivers mapped records to a sink: skips what has not changed since it was last written,
// retries transient failures with backoff, and hands on each outcome — the written hashes
// and an audit entry per applied change to a recorder, failures to a callback. Used by flow
// runs (whose recorder queues the store writes for their own thread) and by re-driving the
// error queue.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <junction/abi.h>

#include "engine/retry_policy.hpp"
#include "engine/source_fingerprint.hpp"
#include "plugin/connector_instance.hpp"
#include "store/audit_log.hpp"
#include "store/member_repository.hpp"
#include "store/run_repository.hpp"

namespace junction::engine {

struct DeliveryRow {
  std::size_t mapped_row = 0;  // row in the mapped batch
  std::string key;             // target key text
  std::string source_key;
  std::int64_t error_id = 0;  // when re-driving a queued record
  // The source record's fingerprint (engine/source_fingerprint); 0 when none.
  std::uint64_t source_fingerprint = 0;
};

struct DeliveryFailure {
  const DeliveryRow *row;
  std::string status;  // rejected, transient
  std::string message;
  int attempts;
};

struct DeliverySettings {
  std::string flow;
  std::string run_id;
  std::string actor;
  std::string action = "write";  // the audit action of applied changes
  std::string source_connector;
  std::string target_connector;
  RetryPolicy retry;
  std::string source_entity;
  // Makes the rows' fingerprints; null when they carry none.
  const SourceFingerprint *fingerprints = nullptr;
};

// What one delivered batch changed: the hashes written, the field lists they name, and an
// audit entry per change.
struct DeliveredChanges {
  std::vector<std::pair<std::string, std::string>> field_sets;  // hash, names
  std::vector<store::RecordWrite> writes;
  std::vector<store::NewLink> links;  // source records written to a member the first time
  store::AuditContext context;
  std::vector<store::AuditChange> changes;
  // Members found unchanged whose state was last recorded from another source record.
  std::vector<store::FingerprintRefresh> refreshes;
};

// Records what a delivered batch changed.
using ChangeRecorder = std::function<void(DeliveredChanges &&)>;

// Records a delivered batch: its field lists, the links of records new to the target, the
// written state and the audit entries.
void record_delivered(store::MemberRepository &states, store::AuditLog &audit,
                      const std::string &source_connector, const std::string &source_entity,
                      DeliveredChanges &delivered);

// A recorder writing to the store at once, on the calling thread.
ChangeRecorder record_at_once(store::MemberRepository &states, store::AuditLog &audit,
                              const std::string &source_connector,
                              const std::string &source_entity);

class Delivery {
 public:
  // `known` answers what was last written for a key.
  Delivery(DeliverySettings settings, plugin::SinkStream &sink, store::MemberRepository &known,
           ChangeRecorder record);

  // Delivers `rows` of `mapped`. Counts go to `counts`; each record that could not be
  // delivered goes to `on_failure`; each delivered or unchanged one to `on_done`. Throws
  // plugin::CallError when the sink fails as a whole after its retries (the run must fail
  // and record nothing).
  void deliver(const jn_batch &mapped, const std::vector<DeliveryRow> &rows,
               store::RunCounts &counts,
               const std::function<void(const DeliveryFailure &)> &on_failure,
               const std::function<void(const DeliveryRow &)> &on_done = {});

 private:
  std::vector<jn_outcome> write_with_retries(const jn_batch &batch);
  const std::vector<std::string> *field_list(std::string_view set_hash);
  // An unchanged row: its member takes the row's fingerprint when this flow, or nothing,
  // recorded the one it has.
  void note_unchanged(const DeliveryRow &row, const store::Comparison &known,
                      const std::string &member_key, DeliveredChanges &delivered) const;

  std::unordered_map<std::string, std::vector<std::string>> field_lists_;  // by hash
  std::set<std::string> registered_;  // field lists this delivery has recorded
  // Whether the target has linked members to look up: none until a sink gives a record a
  // key of its own, and looking up a million unlinked records costs a first load dearly.
  std::optional<bool> target_has_links_;

  DeliverySettings settings_;
  plugin::SinkStream &sink_;
  store::MemberRepository &known_;
  ChangeRecorder record_;
  std::mt19937_64 random_;
};

}  // namespace junction::engine
