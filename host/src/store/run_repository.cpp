#include "store/run_repository.hpp"

#include <soci/soci.h>

#include "log/secret_redaction.hpp"
#include "store/timestamps.hpp"

namespace junction::store {

void RunRepository::start(const std::string &run_id, const std::string &flow,
                          const std::string &actor) {
  const std::string now = utc_now_text();
  session_ << "INSERT INTO runs (run_id, flow, started_at, status, actor) "
              "VALUES (:r, :f, :t, 'running', :a)",
      soci::use(run_id), soci::use(flow), soci::use(now), soci::use(actor);
}

void RunRepository::finish(const std::string &run_id, const std::string &status, const RunCounts &c,
                           const std::string &message) {
  const std::string now = utc_now_text();
  const std::string shown = log::redact(message);
  const long long read = c.read, created = c.created, updated = c.updated, unchanged = c.unchanged,
                  deleted = c.deleted, failed = c.failed, written = c.written;
  session_ << "UPDATE runs SET finished_at = :t, status = :s, records_read = :rd, "
              "records_created = :c, records_updated = :u, records_unchanged = :un, "
              "records_deleted = :d, records_failed = :f, records_written = :w, message = :m "
              "WHERE run_id = :r",
      soci::use(now), soci::use(status), soci::use(read), soci::use(created), soci::use(updated),
      soci::use(unchanged), soci::use(deleted), soci::use(failed), soci::use(written),
      soci::use(shown), soci::use(run_id);
}

namespace {

const char *run_columns =
    "SELECT run_id, flow, started_at, COALESCE(finished_at, ''), status, actor, "
    "COALESCE(message, ''), records_read, records_created, records_updated, records_unchanged, "
    "records_deleted, records_failed, records_written FROM runs ";

RunRow run_of(const soci::row &r) {
  RunRow row;
  row.run_id = r.get<std::string>(0);
  row.flow = r.get<std::string>(1);
  row.started_at = r.get<std::string>(2);
  row.finished_at = r.get<std::string>(3);
  row.status = r.get<std::string>(4);
  row.actor = r.get<std::string>(5);
  row.message = r.get<std::string>(6);
  // SQLite reports small integers as int, PostgreSQL's bigint as long long.
  const auto number = [&](std::size_t i) -> std::int64_t {
    switch (r.get_properties(i).get_data_type()) {
      case soci::dt_integer: return r.get<int>(i);
      case soci::dt_long_long: return r.get<long long>(i);
      case soci::dt_unsigned_long_long:
        return static_cast<std::int64_t>(r.get<unsigned long long>(i));
      case soci::dt_double: return static_cast<std::int64_t>(r.get<double>(i));
      default: return std::stoll(r.get<std::string>(i));
    }
  };
  row.counts.read = number(7);
  row.counts.created = number(8);
  row.counts.updated = number(9);
  row.counts.unchanged = number(10);
  row.counts.deleted = number(11);
  row.counts.failed = number(12);
  row.counts.written = number(13);
  return row;
}

}  // namespace

std::vector<RunRow> RunRepository::recent(const std::string &flow, int limit,
                                          const std::string &status) {
  const std::string where = std::string("WHERE (:f = '' OR flow = :f2) AND ") +
                            "(:s = '' OR status = :s2) ORDER BY started_at DESC, run_id DESC "
                            "LIMIT :n";
  soci::rowset<soci::row> rows =
      (session_.prepare << std::string(run_columns) + where, soci::use(flow, "f"),
       soci::use(flow, "f2"), soci::use(status, "s"), soci::use(status, "s2"),
       soci::use(limit, "n"));
  std::vector<RunRow> out;
  for (const auto &r : rows) out.push_back(run_of(r));
  return out;
}

std::optional<RunRow> RunRepository::find(const std::string &run_id) {
  soci::rowset<soci::row> rows =
      (session_.prepare << std::string(run_columns) + "WHERE run_id = :r", soci::use(run_id));
  for (const auto &r : rows) return run_of(r);
  return std::nullopt;
}

std::optional<std::string> RunRepository::cursor(const std::string &flow,
                                                 const std::string &stream) {
  std::string value;
  soci::indicator ind = soci::i_null;
  session_ << "SELECT cursor_value FROM cursors WHERE flow = :f AND stream = :s", soci::use(flow),
      soci::use(stream), soci::into(value, ind);
  if (!session_.got_data() || ind != soci::i_ok) return std::nullopt;
  return value;
}

void RunRepository::save_cursor(const std::string &flow, const std::string &stream,
                                const std::string &cursor, const std::string &run_id) {
  const std::string now = utc_now_text();
  session_ << "INSERT INTO cursors (flow, stream, cursor_value, run_id, updated_at) "
              "VALUES (:f, :s, :c, :r, :t) ON CONFLICT (flow, stream) DO UPDATE SET "
              "cursor_value = excluded.cursor_value, run_id = excluded.run_id, "
              "updated_at = excluded.updated_at",
      soci::use(flow), soci::use(stream), soci::use(cursor), soci::use(run_id), soci::use(now);
}

}  // namespace junction::store
