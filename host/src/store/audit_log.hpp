// The append-only audit log. Each entry carries the hash of the entry before it and a
// hash over its own content and that link, so that altering, removing, inserting or
// reordering entries breaks the chain where it happened.
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
  std::string prev_hash;
  std::string entry_hash;
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
  std::int64_t first_bad_seq = 0;
  std::string problem;
};

class AuditLog {
 public:
  AuditLog(soci::session &session, Backend backend);
  ~AuditLog();

  // Appends the entries in order (their seq, prev_hash and entry_hash are set here). Call
  // inside the caller's transaction: the entries become durable with the changes they
  // describe, or not at all.
  void append(std::vector<AuditEntry> &entries);
  // The same for the changes of one batch, without repeating what they share.
  void append_changes(const AuditContext &context, const std::vector<AuditChange> &changes);

  // How many entries the filter matches, whatever its limit.
  long long count(const AuditFilter &filter);
  std::vector<AuditEntry> list(const AuditFilter &filter);
  AuditVerification verify();

  // SHA-256 over the link to the previous entry and every field, in a fixed order.
  static std::string entry_hash(const AuditEntry &entry);

 private:
  struct Head {
    std::int64_t seq = 0;
    std::string hash;
    std::int64_t context_id = 0;
  };
  Head lock_and_read_head();
  void insert_context(std::int64_t id, const std::string &at, const AuditContext &context,
                      const std::string &fields);
  class EntryRows;

  soci::session &session_;
  Backend backend_;
  std::unique_ptr<SqliteStatement> insert_one_;  // SQLite: prepared once, run per entry
};

}  // namespace junction::store
