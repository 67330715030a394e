#include "store/event_repository.hpp"

#include <soci/soci.h>

#include "store/timestamps.hpp"

namespace junction::store {

std::int64_t EventRepository::add(const std::string &connector, const std::string &entity,
                                  const std::string &changed_keys_json) {
  const std::string now = utc_now_text();
  long long id = 0;
  session_ << "INSERT INTO webhook_events (connector, entity, received_at, changed_keys) "
              "VALUES (:c, :e, :t, :k) RETURNING event_id",
      soci::use(connector), soci::use(entity), soci::use(now), soci::use(changed_keys_json),
      soci::into(id);
  return id;
}

std::vector<std::pair<std::string, std::string>> EventRepository::pending_sources() {
  soci::rowset<soci::row> rows =
      (session_.prepare << "SELECT DISTINCT connector, entity FROM webhook_events WHERE "
                           "handled_by_run IS NULL");
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto &r : rows) out.emplace_back(r.get<std::string>(0), r.get<std::string>(1));
  return out;
}

std::int64_t EventRepository::count_pending() {
  long long n = 0;
  session_ << "SELECT COUNT(*) FROM webhook_events WHERE handled_by_run IS NULL", soci::into(n);
  return n;
}

void EventRepository::mark_handled(const std::vector<std::pair<std::string, std::string>> &sources,
                                   const std::string &started_at, const std::string &run_id) {
  for (const auto &[connector, entity] : sources) {
    session_ << "UPDATE webhook_events SET handled_by_run = :r WHERE connector = :c AND "
                "entity = :e AND received_at < :t AND handled_by_run IS NULL",
        soci::use(run_id), soci::use(connector), soci::use(entity), soci::use(started_at);
  }
}

}  // namespace junction::store
