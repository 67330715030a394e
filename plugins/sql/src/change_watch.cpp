#include "change_watch.hpp"

#include <libpq-fe.h>
#include <sys/select.h>

#include <thread>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <junction/errors.hpp>

namespace junction::sql {
namespace {

PGconn *native(Database &db) {
  auto *backend = static_cast<soci::postgresql_session_backend *>(db.session->get_backend());
  return backend->conn_;
}

}  // namespace

bool ChangeWatch::wait(Database &db, const std::string &table, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (db.dialect == Dialect::sqlite) {
    for (;;) {
      long long version = 0;
      *db.session << "PRAGMA data_version", soci::into(version);
      if (data_version_ < 0) data_version_ = version;
      if (version != data_version_) {
        data_version_ = version;
        return true;
      }
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  PGconn *conn = native(db);
  if (!listening_) {
    *db.session << "LISTEN junction_changes";
    listening_ = true;
  }
  for (;;) {
    if (PQconsumeInput(conn) == 0) {
      throw TransientError(std::string("lost the database connection while waiting: ") +
                           PQerrorMessage(conn));
    }
    while (PGnotify *n = PQnotifies(conn)) {
      notified_.insert(n->extra != nullptr ? n->extra : "");
      PQfreemem(n);
    }
    if (notified_.erase(table) > 0) return true;
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    const int fd = PQsocket(conn);
    fd_set read_set;
    FD_ZERO(&read_set);
    FD_SET(fd, &read_set);
    timeval tv{static_cast<time_t>(left.count() / 1000000),
               static_cast<suseconds_t>(left.count() % 1000000)};
    ::select(fd + 1, &read_set, nullptr, nullptr, &tv);
  }
}

}  // namespace junction::sql
