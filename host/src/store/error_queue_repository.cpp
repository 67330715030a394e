#include "store/error_queue_repository.hpp"

#include <algorithm>

#include <soci/soci.h>

#include "log/secret_redaction.hpp"
#include "store/row_values.hpp"
#include "store/timestamps.hpp"

namespace junction::store {
namespace {

const char *const columns =
    "error_id, flow, run_id, COALESCE(source_connector, ''), COALESCE(source_entity, ''), "
    "COALESCE(source_key, ''), COALESCE(origin, ''), stage, status, message, "
    "COALESCE(record, ''), attempts, state, first_failed_at, last_failed_at, "
    "COALESCE(resolved_at, ''), COALESCE(resolved_by, ''), COALESCE(resolution, '')";

FailedRecord from_row(const soci::row &r) {
  FailedRecord f;
  f.id = integer_at(r, 0);
  f.flow = r.get<std::string>(1);
  f.run_id = r.get<std::string>(2);
  f.source_connector = r.get<std::string>(3);
  f.source_entity = r.get<std::string>(4);
  f.source_key = r.get<std::string>(5);
  f.origin = r.get<std::string>(6);
  f.stage = r.get<std::string>(7);
  f.status = r.get<std::string>(8);
  f.message = r.get<std::string>(9);
  f.record = r.get<std::string>(10);
  f.attempts = r.get<int>(11);
  f.state = r.get<std::string>(12);
  f.first_failed_at = r.get<std::string>(13);
  f.last_failed_at = r.get<std::string>(14);
  f.resolved_at = r.get<std::string>(15);
  f.resolved_by = r.get<std::string>(16);
  f.resolution = r.get<std::string>(17);
  return f;
}

}  // namespace

void ErrorQueueRepository::add(const std::vector<FailedRecord> &records) {
  if (records.empty()) return;
  const std::string now = utc_now_text();
  for (const auto &failed : records) {
    // What a plugin or a message says may quote a secret: it is never stored.
    FailedRecord f = failed;
    log::redact_in_place(f.message);
    log::redact_in_place(f.record);
    log::redact_in_place(f.origin);
    // A record a person discarded stays discarded while it is what they saw: it comes
    // back only once the source record changes.
    long long discarded = 0;
    session_ << "SELECT COUNT(*) FROM error_queue WHERE state = 'discarded' AND flow = :f AND "
                "source_key = :k AND stage = :s AND record = :rec",
        soci::use(f.flow), soci::use(f.source_key), soci::use(f.stage), soci::use(f.record),
        soci::into(discarded);
    if (discarded > 0) continue;
    // The same record failing the same way again is one entry with more attempts.
    soci::statement again =
        (session_.prepare << "UPDATE error_queue SET attempts = attempts + 1, "
                             "last_failed_at = :t, run_id = :r, record = :rec WHERE state = 'open' "
                             "AND flow = :f AND source_key = :k AND stage = :s AND message = :m",
         soci::use(now), soci::use(f.run_id), soci::use(f.record), soci::use(f.flow),
         soci::use(f.source_key), soci::use(f.stage), soci::use(f.message));
    again.execute(true);
    if (again.get_affected_rows() > 0) continue;
    session_ << "INSERT INTO error_queue (flow, run_id, source_connector, source_entity, "
                "source_key, origin, stage, status, message, record, attempts, state, "
                "first_failed_at, last_failed_at) VALUES (:f, :r, :sc, :se, :sk, :o, :st, :s, "
                ":m, :rec, :a, 'open', :t1, :t2)",
        soci::use(f.flow), soci::use(f.run_id), soci::use(f.source_connector),
        soci::use(f.source_entity), soci::use(f.source_key), soci::use(f.origin),
        soci::use(f.stage), soci::use(f.status), soci::use(f.message), soci::use(f.record),
        soci::use(f.attempts), soci::use(now), soci::use(now);
  }
}

bool ErrorQueueRepository::has_open_rejected_writes(const std::string &flow) {
  // Whether one exists, not how many: the first found ends the look.
  long long n = 0;
  session_ << "SELECT CASE WHEN EXISTS (SELECT 1 FROM error_queue WHERE flow = :f AND "
              "state = 'open' AND status = 'rejected' AND stage = 'write') THEN 1 ELSE 0 END",
      soci::use(flow), soci::into(n);
  return n > 0;
}

std::map<std::string, std::string> ErrorQueueRepository::open_rejected_writes(
    const std::string &flow, const std::vector<std::string> &keys) {
  std::map<std::string, std::string> out;
  constexpr std::size_t chunk = 500;  // placeholders per statement, well within both limits
  for (std::size_t first = 0; first < keys.size(); first += chunk) {
    const std::size_t count = std::min(chunk, keys.size() - first);
    std::string sql =
        "SELECT source_key, record FROM error_queue WHERE flow = :f AND state = 'open' AND "
        "status = 'rejected' AND stage = 'write' AND source_key IN (";
    for (std::size_t i = 0; i < count; ++i) sql += (i == 0 ? ":k" : ", :k") + std::to_string(i);
    sql += ")";
    std::string key;
    std::string record;
    soci::indicator record_ind = soci::i_ok;
    soci::details::prepare_temp_type prepared = (session_.prepare << sql);
    prepared, soci::use(flow, "f");
    for (std::size_t i = 0; i < count; ++i) {
      prepared, soci::use(keys[first + i], "k" + std::to_string(i));
    }
    prepared, soci::into(key), soci::into(record, record_ind);
    soci::statement st(prepared);
    st.execute();
    while (st.fetch()) out[key] = record_ind == soci::i_ok ? record : std::string();
  }
  return out;
}

std::vector<FailedRecord> ErrorQueueRepository::list(const ErrorFilter &filter) {
  std::string sql =
      std::string("SELECT ") + columns +
      " FROM error_queue WHERE (:state = '' OR state = :state2) AND (:flow = '' OR flow = :flow2) "
      "AND (:since = '' OR last_failed_at >= :since2) ORDER BY error_id LIMIT " +
      std::to_string(filter.limit);
  soci::rowset<soci::row> rows =
      (session_.prepare << sql, soci::use(filter.state), soci::use(filter.state),
       soci::use(filter.flow), soci::use(filter.flow), soci::use(filter.since),
       soci::use(filter.since));
  std::vector<FailedRecord> out;
  for (const auto &r : rows) out.push_back(from_row(r));
  return out;
}

long long ErrorQueueRepository::count_new_in_run(const std::string &run_id) {
  long long n = 0;
  session_ << "SELECT COUNT(*) FROM error_queue WHERE run_id = :r AND first_failed_at = "
              "last_failed_at",
      soci::use(run_id), soci::into(n);
  return n;
}

long long ErrorQueueRepository::count_open_in_run(const std::string &run_id) {
  long long n = 0;
  session_ << "SELECT COUNT(*) FROM error_queue WHERE run_id = :r AND state = 'open'",
      soci::use(run_id), soci::into(n);
  return n;
}

long long ErrorQueueRepository::count(const ErrorFilter &filter) {
  long long n = 0;
  session_ << "SELECT COUNT(*) FROM error_queue WHERE (:state = '' OR state = :state2) AND (:flow "
              "= '' OR flow = :flow2) AND (:since = '' OR last_failed_at >= :since2)",
      soci::use(filter.state), soci::use(filter.state), soci::use(filter.flow),
      soci::use(filter.flow), soci::use(filter.since), soci::use(filter.since), soci::into(n);
  return n;
}

std::optional<FailedRecord> ErrorQueueRepository::find(std::int64_t id) {
  const long long key = id;
  soci::rowset<soci::row> rows = (session_.prepare << std::string("SELECT ") + columns +
                                                          " FROM error_queue WHERE error_id = :id",
                                  soci::use(key));
  for (const auto &r : rows) return from_row(r);
  return std::nullopt;
}

void ErrorQueueRepository::record_attempt(std::int64_t id, const std::string &stage,
                                          const std::string &status, const std::string &message) {
  const std::string now = utc_now_text();
  const std::string shown = log::redact(message);
  const long long key = id;
  session_ << "UPDATE error_queue SET attempts = attempts + 1, last_failed_at = :t, stage = :st, "
              "status = :s, message = :m WHERE error_id = :id",
      soci::use(now), soci::use(stage), soci::use(status), soci::use(shown), soci::use(key);
}

void ErrorQueueRepository::resolve(std::int64_t id, const std::string &state,
                                   const std::string &resolution, const std::string &actor) {
  const std::string now = utc_now_text();
  const std::string why = log::redact(resolution);
  const long long key = id;
  session_ << "UPDATE error_queue SET state = :s, resolution = :r, resolved_by = :a, "
              "resolved_at = :t WHERE error_id = :id",
      soci::use(state), soci::use(why), soci::use(actor), soci::use(now), soci::use(key);
}

void ErrorQueueRepository::replace_record(std::int64_t id, const std::string &record_json) {
  const long long key = id;
  const std::string record = log::redact(record_json);
  session_ << "UPDATE error_queue SET record = :r WHERE error_id = :id", soci::use(record),
      soci::use(key);
}

long long ErrorQueueRepository::count_open(const std::string &flow) {
  long long n = 0;
  session_ << "SELECT COUNT(*) FROM error_queue WHERE state = 'open' AND (:f = '' OR flow = :f2)",
      soci::use(flow), soci::use(flow), soci::into(n);
  return n;
}

}  // namespace junction::store
