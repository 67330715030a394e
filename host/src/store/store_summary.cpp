#include "store/store_summary.hpp"

#include <string>

#include <soci/soci.h>

namespace junction::store {
namespace {

std::int64_t count_rows(soci::session &session, const std::string &sql) {
  long long n = 0;
  session << sql, soci::into(n);
  return n;
}

}  // namespace

StoreSummary summarize_store(soci::session &session) {
  StoreSummary s;
  s.runs = count_rows(session, "SELECT COUNT(*) FROM runs");
  s.records_known = count_rows(session, "SELECT COUNT(*) FROM member_state");
  s.open_errors = count_rows(session, "SELECT COUNT(*) FROM error_queue WHERE state = 'open'");
  s.audit_entries = count_rows(session, "SELECT COUNT(*) FROM audit_log");
  s.pending_webhook_events =
      count_rows(session, "SELECT COUNT(*) FROM webhook_events WHERE handled_by_run IS NULL");
  return s;
}

}  // namespace junction::store
