// The append-only audit log: one hash chain per flow (and one for actions of no flow). The
// entries one append writes share their run-level fields and form one batch, a link of
// its chain whose hash covers the link before it, its own fields and every entry in it:
// altering, removing, inserting or moving entries or batches breaks the chain where it
// happened, and runs of different flows append without waiting on each other. Entries
// written before schema 6 keep their per-entry chain and are verified as they were.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "store/store_location.hpp"

namespace soci {
class session;
}

namespace junction::store {

class SqliteStatement;

struct AuditEntry {
  std::int64_t seq = 0;
  std::string at;
  std::string actor;
  std::string action;  // write, errors.retry, errors.edit, errors.discard, ...
  std::string flow;
  std::string run_id;
  std::string source_connector;
  std::string source_key;
  std::string target_connector;
  std::string target_key;
  std::string operation;       // create, update, delete
  std::string changed_fields;  // comma-separated names
  std::string hash_before;
  std::string hash_after;
  std::string detail;
  std::string prev_hash;   // entries before schema 6 only
  std::string entry_hash;  // entries before schema 6 only
  std::string chain;       // the chain of its batch ("" before schema 6 or no flow)
  std::int64_t batch = 0;  // the batch's place in its chain, from 1; 0 before schema 6
  std::string batch_hash;
};

// What the changes one batch applied share, written once for all of them.
struct AuditContext {
  std::string actor;
  std::string action;
  std::string flow;
  std::string run_id;
  std::string source_connector;
  std::string target_connector;
  std::string all_fields;  // the batch's field names, comma-separated
};

// One applied change of a batch: the entry's own fields.
struct AuditChange {
  std::string source_key;
  std::string target_key;
  const char *operation = "";  // create, update, delete, write (created or updated)
  bool all_fields = false;     // changed_fields is the context's all_fields
  std::string changed_fields;
  std::string hash_before;
  std::string hash_after;
};

struct AuditFilter {
  std::string flow;
  std::string key;    // source or target key
  std::string since;  // ISO 8601 UTC
  int limit = 1000;
};

struct AuditVerification {
  bool intact = true;
  std::int64_t entries = 0;
  std::int64_t chains = 0;
  std::string where;  // "entry 12", "batch 3 of chain \"f\" (entries 12 to 21)"
  std::string problem;
};

class AuditLog {
 public:
  AuditLog(soci::session &session, Backend backend);
  ~AuditLog();

  // Appends the entries in order (their seq is set here; consecutive entries sharing
  // their run-level fields form one batch). Call inside the caller's transaction: the
  // entries become durable with the changes they describe, or not at all. Waits only for
  // a transaction appending to the same chain.
  void append(std::vector<AuditEntry> &entries);
  // The same for the changes of one batch, without repeating what they share.
  void append_changes(const AuditContext &context, const std::vector<AuditChange> &changes);

  // How many entries the filter matches, whatever its limit.
  long long count(const AuditFilter &filter);
  std::vector<AuditEntry> list(const AuditFilter &filter);
  AuditVerification verify();

  // The hash of an entry written before schema 6: SHA-256 over the link to the previous
  // entry and every field, in a fixed order.
  static std::string entry_hash(const AuditEntry &entry);

 private:
  struct Batch;
  Batch begin_batch(const AuditContext &context, const std::string &at, std::size_t entries);
  // `details` empty, or one per change.
  Batch write_batch(const AuditContext &context, const std::string &at,
                    const std::vector<AuditChange> &changes,
                    const std::vector<std::string> &details);
  class EntryRows;

  soci::session &session_;
  Backend backend_;
  std::unique_ptr<SqliteStatement> insert_one_;  // SQLite: prepared once, run per entry
};

}  // namespace junction::store
