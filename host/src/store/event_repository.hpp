// Webhook events: what a connector's webhook said changed, kept from the moment the
// webhook is answered until a run of a job reading that source has handled it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace soci {
class session;
}

namespace junction::store {

class EventRepository {
 public:
  explicit EventRepository(soci::session &session) : session_(session) {}

  // One event with the keys it names (a JSON array text); returns its id.
  std::int64_t add(const std::string &connector, const std::string &entity,
                   const std::string &changed_keys_json);
  // (connector, entity) pairs with events no run has handled yet.
  std::vector<std::pair<std::string, std::string>> pending_sources();
  std::int64_t count_pending();
  // Events of these sources received before `started_at` are handled by `run_id`.
  void mark_handled(const std::vector<std::pair<std::string, std::string>> &sources,
                    const std::string &started_at, const std::string &run_id);

 private:
  soci::session &session_;
};

}  // namespace junction::store
