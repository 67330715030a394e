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
