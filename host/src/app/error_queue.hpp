// The error queue as use cases, shared by `junction errors` and the admin API: list and show
// queued records (sensitive fields masked), re-drive them, discard them. Each change is
// audited with who made it.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/config_check.hpp"
#include "config/host_config.hpp"
#include "store/error_queue_repository.hpp"
#include "store/state_store.hpp"

namespace junction::app {

// An action on the queue that cannot be done as asked; the message says why.
class ErrorQueueError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Audits a person's action on a queued record ("errors.edit", ...), in the caller's
// transaction.
void audit_error_action(store::StateStore &state, const std::string &actor,
                        const std::string &action, const store::FailedRecord &f,
                        const std::string &detail);

// Source fields whose values are never shown, by flow.
std::map<std::string, std::set<std::string>> sensitive_fields(const config::HostConfig &config);

nlohmann::json failed_record_json(const store::FailedRecord &f,
                                  const std::set<std::string> &sensitive);

nlohmann::json list_errors(store::StateStore &state, const config::HostConfig &config,
                           const store::ErrorFilter &filter);
std::optional<nlohmann::json> show_error(store::StateStore &state, const config::HostConfig &config,
                                         std::int64_t id);

// Discards open entries, all or none. Throws ErrorQueueError naming an id that is unknown
// or not open.
void discard_errors(store::StateStore &state, const std::vector<std::int64_t> &ids,
                    const std::string &reason, const std::string &actor);

// A person's fix to a queued record before it is retried.
struct ErrorEdit {
  std::vector<std::pair<std::string, std::string>> set;  // field, value
  std::vector<std::string> nulls;                        // fields set to null
  bool add = false;  // let them name fields the record does not have
};

// Applies `edit` to open entry `id` and audits it; returns the fields changed, joined by
// ", ". Throws ErrorQueueError (unknown id, closed entry, unknown field with a suggestion,
// nothing to change).
std::string edit_error(store::StateStore &state, std::int64_t id, const ErrorEdit &edit,
                       const std::string &actor);

// Writes the entries `filter` selects, sensitive fields masked: one JSON object per line,
// or CSV with a header. Returns how many values had bytes that were not UTF-8 (replaced).
std::size_t export_errors(store::StateStore &state, const config::HostConfig &config,
                          const store::ErrorFilter &filter, const std::string &format,
                          std::ostream &out);

struct RetrySelection {
  std::vector<std::int64_t> ids;  // these; else
  std::string flow;               // every open entry of this flow; else every open entry
};

struct RetryOutcome {
  std::size_t delivered = 0;
  std::size_t failed = 0;
  std::vector<std::string> notes;  // flows left alone, and why
};

// Re-drives the chosen open entries through their flows' targets. Throws ErrorQueueError
// for an unknown or closed id; a flow's target failing as a whole propagates.
RetryOutcome retry_errors(store::StateStore &state, const config::HostConfig &config,
                          CheckedConfig &checked, const RetrySelection &selection,
                          const std::string &actor);

}  // namespace junction::app
