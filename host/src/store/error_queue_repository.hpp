// Records that could not be delivered, kept with everything needed to understand, fix and
// replay them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace soci {
class session;
}

namespace junction::store {

struct FailedRecord {
  std::int64_t id = 0;
  std::string flow;
  std::string run_id;
  std::string source_connector;
  std::string source_entity;
  std::string source_key;
  std::string origin;  // "members.csv:42"
  std::string stage;   // parse, map, validate, write
  std::string status;  // rejected, transient
  std::string message;
  std::string record;  // the record as read, JSON
  int attempts = 1;
  std::string state = "open";
  std::string first_failed_at;
  std::string last_failed_at;
  // Once resolved or discarded: when, by whom, and why (a discard's reason).
  std::string resolved_at;
  std::string resolved_by;
  std::string resolution;
};

struct ErrorFilter {
  std::string flow;
  std::string since;           // ISO 8601 UTC; "" for all
  std::string state = "open";  // "" for every state
  int limit = 1000;
};

class ErrorQueueRepository {
 public:
  explicit ErrorQueueRepository(soci::session &session) : session_(session) {}

  void add(const std::vector<FailedRecord> &records);
  // One more failed attempt at a queued record.
  void record_attempt(std::int64_t id, const std::string &stage, const std::string &status,
                      const std::string &message);
  // Closes an entry: state "resolved" or "discarded", with what happened and who did it.
  void resolve(std::int64_t id, const std::string &state, const std::string &resolution,
               const std::string &actor);
  void replace_record(std::int64_t id, const std::string &record_json);
  std::vector<FailedRecord> list(const ErrorFilter &filter);
  // Whether `flow` has open entries of records its target refused (stage write).
  bool has_open_rejected_writes(const std::string &flow);
  // The records as read of those entries, by source key, for the keys given.
  std::map<std::string, std::string> open_rejected_writes(const std::string &flow,
                                                          const std::vector<std::string> &keys);
  // Entries `run_id` added (not ones it failed again, which count another attempt).
  long long count_new_in_run(const std::string &run_id);
  // Open entries this run added or failed again (records discarded before are not).
  long long count_open_in_run(const std::string &run_id);
  // How many entries the filter matches, whatever its limit.
  long long count(const ErrorFilter &filter);
  std::optional<FailedRecord> find(std::int64_t id);
  long long count_open(const std::string &flow = {});

 private:
  soci::session &session_;
};

}  // namespace junction::store
