#include "store/state_store.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <sys/stat.h>

#include <random>
#include <thread>

#include <cstdio>

#include <gtest/gtest.h>

#include "postgres.hpp"
#include "store/audit_log.hpp"
#include "store/member_repository.hpp"
#include "store/migrations.hpp"
#include "temp_dir.hpp"

namespace junction::store {
namespace {

const std::vector<std::string> expected_tables = {
    "api_quota_use",      "audit_context",  "audit_entry",
    "audit_legacy_entry", "cursors",        "error_queue",
    "field_lists",        "flow_snapshot",  "links",
    "member_state",       "member_updates", "runs",
    "schema_migrations",  "sync_links",     "sync_member_index",
    "sync_reviews",       "systems",        "webhook_events"};

std::vector<std::string> sqlite_tables(soci::session &s) {
  std::vector<std::string> names(64);
  s << "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
       "ORDER BY name",
      soci::into(names);
  return names;
}

std::vector<std::string> postgres_tables(soci::session &s) {
  std::vector<std::string> names(64);
  s << "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
       "AND table_type = 'BASE TABLE' ORDER BY table_name",
      soci::into(names);
  return names;
}

StoreLocation sqlite_at(const std::filesystem::path &file) {
  std::string why;
  return *parse_store_location("sqlite:" + file.string(), "/", why);
}

// Schema 4 split the audit log into contexts and entries: a chain written before must
// still verify, read the same, and go on.
void audit_log_survives_migration_4(soci::session &s, Backend backend) {
  const auto migrations = migrations_for(backend);
  s << "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
       "applied_at TEXT NOT NULL)";
  for (int v = 1; v <= 3; ++v) {
    for (const auto &statement : migrations[static_cast<std::size_t>(v - 1)].statements) {
      s << statement;
    }
    s << "INSERT INTO schema_migrations VALUES (" + std::to_string(v) + ", 'm', 'now')";
  }
  std::string prev(64, '0');
  std::vector<AuditEntry> before;
  for (int i = 1; i <= 3; ++i) {
    AuditEntry e;
    e.seq = i;
    e.at = i < 3 ? "2026-01-01T00:00:00Z" : "2026-01-02T00:00:00Z";
    e.actor = i < 3 ? "sync" : "alice";
    e.action = i < 3 ? "write" : "errors.discard";
    e.flow = "f";
    e.run_id = i < 3 ? "r1" : "";
    e.target_key = "k" + std::to_string(i);
    e.operation = i < 3 ? "create" : "";
    e.changed_fields = i < 3 ? "a,b" : "";
    e.detail = i < 3 ? "" : "not wanted";
    e.prev_hash = prev;
    e.entry_hash = AuditLog::entry_hash(e);
    prev = e.entry_hash;
    s << "INSERT INTO audit_log (seq, at, actor, action, flow, run_id, target_key, operation, "
         "changed_fields, detail, prev_hash, entry_hash) VALUES (:s, :a, :b, :c, :d, :e, :f, "
         ":g, :h, :i, :j, :k)",
        soci::use(e.seq), soci::use(e.at), soci::use(e.actor), soci::use(e.action),
        soci::use(e.flow), soci::use(e.run_id), soci::use(e.target_key), soci::use(e.operation),
        soci::use(e.changed_fields), soci::use(e.detail), soci::use(e.prev_hash),
        soci::use(e.entry_hash);
    before.push_back(e);
  }
  apply_migrations(s, backend);
  AuditLog log(s, backend);
  EXPECT_TRUE(log.verify().intact) << log.verify().problem;
  const auto after = log.list(AuditFilter{});
  ASSERT_EQ(after.size(), 3U);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(after[i].actor, before[i].actor);
    EXPECT_EQ(after[i].detail, before[i].detail);
    EXPECT_EQ(after[i].changed_fields, before[i].changed_fields);
    EXPECT_EQ(after[i].entry_hash, before[i].entry_hash);
  }
  std::vector<AuditEntry> more(2);
  for (auto &e : more) {
    e.actor = "sync";
    e.action = "write";
    e.flow = "f";
    e.operation = "create";
    e.changed_fields = "a,b,c";
  }
  more[1].operation = "update";
  more[1].changed_fields = "b";
  s << "BEGIN";
  log.append(more);
  s << "COMMIT";
  const auto verification = log.verify();
  EXPECT_TRUE(verification.intact) << verification.problem;
  EXPECT_EQ(verification.entries, 5);
  const auto all = log.list(AuditFilter{});
  ASSERT_EQ(all.size(), 5U);
  EXPECT_EQ(all[3].changed_fields, "a,b,c");
  EXPECT_EQ(all[4].changed_fields, "b");
}

// Schema 5 keys written state by member, schema 7 by numbered system with binary hashes:
// what a schema-4 store knew of what it wrote carries over, so the first run after the
// upgrade rewrites nothing that is unchanged. 12,001 members cross the conversion's
// chunks; a deleted record stays deleted, an unreadable hash is dropped, not fatal.
void written_state_survives_migrations(soci::session &s, Backend backend) {
  const auto migrations = migrations_for(backend);
  s << "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
       "applied_at TEXT NOT NULL)";
  for (int v = 1; v <= 4; ++v) {
    for (const auto &statement : migrations[static_cast<std::size_t>(v - 1)].statements) {
      s << statement;
    }
    s << "INSERT INTO schema_migrations VALUES (" + std::to_string(v) + ", 'm', 'now')";
  }
  // One transaction for the old rows: SQLite would otherwise sync the file per row.
  soci::transaction old_rows(s);
  // Target records written by a run, and a source record a snapshot saw.
  s << "INSERT INTO record_state (connector, entity, record_key, written_hash, field_hashes, "
       "last_seen_run, updated_at) VALUES ('crm', 'contacts', 'a@x.org', "
       "'0123456789abcdef0123456789abcdef', 'ffffffff0000000a', "
       "'r1', '2026-01-01T00:00:00Z')";
  s << "INSERT INTO record_state (connector, entity, record_key, written_hash, last_seen_run, "
       "updated_at) VALUES ('crm', 'contacts', 'gone@x.org', 'deleted', 'r1', 'now')";
  s << "INSERT INTO record_state (connector, entity, record_key, written_hash, field_hashes, "
       "last_seen_run, updated_at) VALUES ('crm', 'contacts', 'odd@x.org', 'not a hash', "
       "'xyz', 'r1', 'now')";
  std::vector<std::string> keys;
  std::vector<std::string> hashes;
  for (int i = 0; i < 12000; ++i) {
    char hash[33];
    std::snprintf(hash, sizeof hash, "%016x%016x", i + 1, i);
    keys.push_back("k" + std::to_string(i));
    hashes.push_back(hash);
  }
  s << "INSERT INTO record_state (connector, entity, record_key, written_hash, field_hashes, "
       "last_seen_run, updated_at) VALUES ('mail', 'members', :k, :h, '0000000100000002', "
       "'r1', 'now')",
      soci::use(keys), soci::use(hashes);
  s << "INSERT INTO record_state (connector, entity, record_key, target_key, last_seen_run, "
       "updated_at) VALUES ('members', 'm', '7', 'a@x.org', 'r1', '2026-01-01T00:00:00Z')";
  s << "INSERT INTO runs (run_id, flow, started_at, status, actor) VALUES ('r1', 'f', 'now', "
       "'finished', 'sync')";
  old_rows.commit();
  apply_migrations(s, backend);
  EXPECT_EQ(current_schema_version(s), latest_schema_version());
  MemberRepository members(s, "crm", "contacts");
  const auto c = members.compare(
      {"a@x.org", "gone@x.org", "odd@x.org"},
      {"0123456789abcdef0123456789abcdef", "deleted", "0123456789abcdef0123456789abcdef"});
  EXPECT_TRUE(c[0].known);
  EXPECT_TRUE(c[0].unchanged);
  EXPECT_TRUE(c[1].unchanged) << "a deleted record stays deleted";
  EXPECT_TRUE(c[2].known);
  EXPECT_FALSE(c[2].unchanged) << "an unreadable hash is written again";
  EXPECT_EQ(members.lookup({"a@x.org"}).at("a@x.org").field_hashes, "ffffffff0000000a");
  MemberRepository mail(s, "mail", "members");
  const auto m = mail.compare(keys, hashes);
  long long unchanged = 0;
  for (const auto &one : m) unchanged += one.unchanged ? 1 : 0;
  EXPECT_EQ(unchanged, 12000);
  EXPECT_EQ(mail.lookup({"k11999"}).at("k11999").field_hashes, "0000000100000002");
  long long rows = -1;
  s << "SELECT COUNT(*) FROM member_state", soci::into(rows);
  EXPECT_EQ(rows, 12003);
  s << "SELECT records_written FROM runs WHERE run_id = 'r1'", soci::into(rows);
  EXPECT_EQ(rows, 0);
}

TEST(SqliteStore, WrittenStateOfASchema4StoreCarriesOverToMembers) {
  testing::TempDir dir;
  soci::session s(*soci::factory_sqlite3(), (dir / "state.db").string());
  written_state_survives_migrations(s, Backend::sqlite);
  EXPECT_EQ(sqlite_tables(s), expected_tables);
}

TEST(SqliteStore, AnAuditLogFromSchema3StaysIntactThroughMigration) {
  testing::TempDir dir;
  soci::session s(*soci::factory_sqlite3(), (dir / "state.db").string());
  audit_log_survives_migration_4(s, Backend::sqlite);
}

TEST(SqliteStore, CreatesTheFileAndAppliesEveryMigration) {
  testing::TempDir dir;
  auto store = StateStore::open(sqlite_at(dir / "nested/dir/state.db"));
  EXPECT_TRUE(std::filesystem::exists(dir / "nested/dir/state.db"));
  EXPECT_EQ(store->schema_version(), latest_schema_version());
  EXPECT_EQ(sqlite_tables(store->session()), expected_tables);
  std::string mode;
  store->session() << "PRAGMA journal_mode", soci::into(mode);
  EXPECT_EQ(mode, "wal");
  int timeout = 0;
  store->session() << "PRAGMA busy_timeout", soci::into(timeout);
  EXPECT_EQ(timeout, 10000);
  int page_size = 0;
  store->session() << "PRAGMA page_size", soci::into(page_size);
  EXPECT_EQ(page_size, 4096);
}

TEST(SqliteStore, ANewStoreIsForItsOwnerAloneWhateverTheUmask) {
  testing::TempDir dir;
  const mode_t old_umask = ::umask(022);
  {
    auto store = StateStore::open(sqlite_at(dir / "made/by/junction/state.db"));
    store->session() << "CREATE TABLE t (x INTEGER)";  // the WAL file exists from here
  }
  ::umask(old_umask);
  auto mode = [&](const std::string &name) {
    return std::filesystem::status(dir / name).permissions() & std::filesystem::perms::all;
  };
  using std::filesystem::perms;
  EXPECT_EQ(mode("made"), perms::owner_all);
  EXPECT_EQ(mode("made/by/junction"), perms::owner_all);
  EXPECT_EQ(mode("made/by/junction/state.db"), perms::owner_read | perms::owner_write);
  for (const char *side : {"-wal", "-shm"}) {
    const auto file = std::string("made/by/junction/state.db") + side;
    if (std::filesystem::exists(dir / file)) {
      EXPECT_EQ(mode(file), perms::owner_read | perms::owner_write) << file;
    }
  }
}

TEST(SqliteStore, ReopeningKeepsDataAndAppliesNothingTwice) {
  testing::TempDir dir;
  {
    auto store = StateStore::open(sqlite_at(dir / "state.db"));
    store->session() << "INSERT INTO cursors (flow, stream, cursor_value, updated_at) "
                        "VALUES ('f', 'src/people', '42', 'now')";
  }
  auto store = StateStore::open(sqlite_at(dir / "state.db"));
  int migrations = 0;
  std::string cursor;
  store->session() << "SELECT COUNT(*) FROM schema_migrations", soci::into(migrations);
  store->session() << "SELECT cursor_value FROM cursors WHERE flow = 'f'", soci::into(cursor);
  EXPECT_EQ(migrations, latest_schema_version());
  EXPECT_EQ(cursor, "42");
}

TEST(SqliteStore, RefusesAStoreFromANewerJunction) {
  testing::TempDir dir;
  {
    auto store = StateStore::open(sqlite_at(dir / "state.db"));
    store->session() << "INSERT INTO schema_migrations (version, name, applied_at) "
                        "VALUES (999, 'from the future', 'now')";
  }
  try {
    StateStore::open(sqlite_at(dir / "state.db"));
    FAIL() << "expected a StoreError";
  } catch (const StoreError &e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot prepare the state store sqlite:" + (dir / "state.db").string() +
                  ": the state store has schema version 999, newer than this Junction knows (" +
                  std::to_string(latest_schema_version()) + "): upgrade Junction");
  }
}

TEST(SqliteStore, ProcessesStartingTogetherMigrateOnce) {
  testing::TempDir dir;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      try {
        StateStore::open(sqlite_at(dir / "state.db"));
      } catch (const std::exception &) {
        ++failures;
      }
    });
  }
  for (auto &t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto store = StateStore::open(sqlite_at(dir / "state.db"));
  int migrations = 0;
  store->session() << "SELECT COUNT(*) FROM schema_migrations", soci::into(migrations);
  EXPECT_EQ(migrations, latest_schema_version());
}

TEST(SqliteStore, ReportsAnUnopenableFile) {
  testing::TempDir dir;
  dir.write("state.db", "this is not a database, but it is long enough to have a header page");
  EXPECT_THROW(StateStore::open(sqlite_at(dir / "state.db")), StoreError);
}

std::string connect_string(const std::string &url) {
  std::string why;
  return parse_store_location(url, "/", why).value().connect;
}

// Each PostgreSQL test gets a database of its own in the throwaway cluster.
class PostgresStore : public ::testing::Test {
 protected:
  void SetUp() override {
    JUNCTION_REQUIRE_POSTGRES_SERVER(url);
    admin_url_ = url;
    std::random_device random;
    database_ = "junction_store_test_" + std::to_string(random() % 1000000000);
    soci::session admin(*soci::factory_postgresql(), connect_string(admin_url_));
    admin << "CREATE DATABASE " + database_;
    const auto slash = admin_url_.rfind('/');
    url_ = admin_url_.substr(0, slash + 1) + database_;
  }
  void TearDown() override {
    if (database_.empty()) return;
    soci::session admin(*soci::factory_postgresql(), connect_string(admin_url_));
    admin << "DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE)";
  }
  StoreLocation location() const {
    std::string why;
    return *parse_store_location(url_, "/", why);
  }
  std::string admin_url_;
  std::string database_;
  std::string url_;
};

TEST_F(PostgresStore, AppliesEveryMigrationWithTheSameCode) {
  auto store = StateStore::open(location());
  EXPECT_EQ(store->schema_version(), latest_schema_version());
  EXPECT_EQ(postgres_tables(store->session()), expected_tables);
  // Identity columns number rows as SQLite's rowids do.
  store->session() << "INSERT INTO links (entity_class, created_at, updated_at) "
                      "VALUES ('contact', 'now', 'now')";
  long long id = 0;
  store->session() << "SELECT MAX(link_id) FROM links", soci::into(id);
  EXPECT_EQ(id, 1);
}

TEST_F(PostgresStore, ConcurrentStartsMigrateOnce) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      try {
        StateStore::open(location());
      } catch (const std::exception &e) {
        ++failures;
        ADD_FAILURE() << e.what();
      }
    });
  }
  for (auto &t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto store = StateStore::open(location());
  int migrations = 0;
  store->session() << "SELECT COUNT(*) FROM schema_migrations", soci::into(migrations);
  EXPECT_EQ(migrations, latest_schema_version());
}

TEST_F(PostgresStore, WrittenStateOfASchema4StoreCarriesOverToMembers) {
  soci::session s(*soci::factory_postgresql(), connect_string(url_));
  written_state_survives_migrations(s, Backend::postgresql);
}

TEST_F(PostgresStore, AnAuditLogFromSchema3StaysIntactThroughMigration) {
  soci::session s(*soci::factory_postgresql(), connect_string(url_));
  audit_log_survives_migration_4(s, Backend::postgresql);
}

TEST_F(PostgresStore, ConnectionErrorsNeverShowThePassword) {
  std::string wrong = url_;
  const auto at = wrong.find('@');
  const auto colon = wrong.rfind(':', at);
  wrong.replace(colon + 1, at - colon - 1, "wrong-password-123");
  std::string why;
  try {
    StateStore::open(*parse_store_location(wrong, "/", why));
    FAIL() << "expected a StoreError";
  } catch (const StoreError &e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find("wrong-password-123"), std::string::npos) << message;
    EXPECT_NE(message.find("postgresql://junction:***@127.0.0.1"), std::string::npos) << message;
    EXPECT_NE(message.find("password authentication failed"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace junction::store
