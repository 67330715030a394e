#include "store/quota_window_ledger.hpp"

#include <chrono>
#include <filesystem>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include "store/state_store.hpp"

namespace junction::store {
namespace {

std::int64_t local_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

QuotaWindowLedger::QuotaWindowLedger(StoreLocation location) : location_(std::move(location)) {}

QuotaWindowLedger::~QuotaWindowLedger() = default;

void QuotaWindowLedger::connect() {
  auto session = std::make_unique<soci::session>();
  try {
    if (location_.backend == Backend::sqlite) {
      const auto file = std::filesystem::path(location_.sqlite_file.string() + ".quota");
      const bool fresh = !std::filesystem::exists(file);
      session->open(*soci::factory_sqlite3(), "db=" + file.string());
      if (fresh) {
        std::filesystem::permissions(
            file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
      }
      *session << "PRAGMA busy_timeout = 10000";
      *session << "PRAGMA journal_mode = WAL";
      *session << "PRAGMA synchronous = OFF";  // a lost window after a crash costs nothing
      *session << "CREATE TABLE IF NOT EXISTS api_quota_window (account TEXT NOT NULL, "
                  "at_ms INTEGER NOT NULL)";
      *session << "CREATE INDEX IF NOT EXISTS api_quota_window_by_account ON "
                  "api_quota_window (account, at_ms)";
    } else {
      session->open(*soci::factory_postgresql(), location_.connect);
      // Made once per database; the lock keeps two processes from making it together.
      soci::transaction tx(*session);
      *session << "SELECT pg_advisory_xact_lock(hashtext('junction:api_quota_window'))";
      *session << "CREATE TABLE IF NOT EXISTS api_quota_window (account TEXT NOT NULL, "
                  "at_ms BIGINT NOT NULL)";
      *session << "CREATE INDEX IF NOT EXISTS api_quota_window_by_account ON "
                  "api_quota_window (account, at_ms)";
      tx.commit();
    }
  } catch (const std::exception &e) {
    throw StoreError("cannot open the shared API quota window of " + location_.display + ": " +
                     e.what());
  }
  session_ = std::move(session);
}

std::optional<std::chrono::milliseconds> QuotaWindowLedger::admit(const std::string &account,
                                                                  std::chrono::milliseconds horizon,
                                                                  std::int64_t limit,
                                                                  std::int64_t requests) {
  if (!session_) connect();
  soci::session &s = *session_;
  const bool sqlite = location_.backend == Backend::sqlite;
  long long now = 0;
  long long count = 0;
  long long oldest = 0;
  soci::indicator oldest_ind = soci::i_null;
  if (sqlite) {
    s << "BEGIN IMMEDIATE";  // one writer at a time: the count and the insert go together
    now = local_now_ms();
  } else {
    s << "BEGIN";
    s << "SELECT pg_advisory_xact_lock(hashtext('junction:quota:' || :a))", soci::use(account);
    s << "SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)", soci::into(now);
  }
  try {
    const long long since = now - horizon.count();
    s << "DELETE FROM api_quota_window WHERE account = :a AND at_ms <= :t", soci::use(account),
        soci::use(since);
    s << "SELECT COUNT(*), MIN(at_ms) FROM api_quota_window WHERE account = :a", soci::use(account),
        soci::into(count), soci::into(oldest, oldest_ind);
    std::optional<std::chrono::milliseconds> wait;
    if (count + requests > limit) {
      const long long free_at = oldest_ind == soci::i_ok ? oldest + horizon.count() : now + 1;
      wait = std::chrono::milliseconds(std::max<long long>(1, free_at - now));
    } else {
      for (std::int64_t i = 0; i < requests; ++i) {
        s << "INSERT INTO api_quota_window (account, at_ms) VALUES (:a, :t)", soci::use(account),
            soci::use(now);
      }
    }
    s << "COMMIT";
    return wait;
  } catch (...) {
    try {
      s << "ROLLBACK";
    } catch (...) {
      // The connection is gone: the next admit reports it.
    }
    throw;
  }
}

}  // namespace junction::store
