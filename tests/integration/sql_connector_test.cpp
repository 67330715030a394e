// The sql connector through the real binary, on SQLite files and the PostgreSQL test
// cluster.
#include <signal.h>

#include <chrono>
#include <random>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"
#include "postgres.hpp"

namespace junction::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

class SqlConnector : public ::testing::Test {
 protected:
  ProcessResult sql(const std::string &database, const std::string &statements) {
    if (database.rfind("postgresql://", 0) == 0) {
      return run_process("/usr/bin/psql",
                         {database, "-v", "ON_ERROR_STOP=1", "-q", "-c", statements});
    }
    return run_process("/usr/bin/sqlite3", {file_of(database), statements});
  }
  static std::string file_of(const std::string &database) {
    return database.rfind("sqlite:", 0) == 0 ? database.substr(7) : database;
  }
  std::string query(const std::string &database, const std::string &select) {
    if (database.rfind("postgresql://", 0) == 0) {
      return run_process("/usr/bin/psql", {database, "-At", "-c", select}).out;
    }
    return run_process("/usr/bin/sqlite3", {file_of(database), select}).out;
  }
  ProcessResult sync(const fs::path &config, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"sync",
                                     "--progress",
                                     "never",
                                     "--config",
                                     config.string(),
                                     "--plugin-path",
                                     built_plugin_dir().string(),
                                     "--plugin-path",
                                     test_plugin_dir().string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return junction(args);
  }
  // A config with one flow "load": the CSV file `file` in in/, keyed by id, into `table`
  // of the database at `url`.
  fs::path load_config(const std::string &file, const std::string &url, const std::string &table,
                       int batch_size, const json &mapping) {
    const json doc = {
        {"connectors",
         {{"in",
           {{"plugin", "csv"},
            {"config",
             {{"dir", "in"}, {"entities", {{"f", {{"file", file}, {"stable_for", "0s"}}}}}}}}},
          {"db",
           {{"plugin", "sql"},
            {"config", {{"url", url}, {"entities", {{table, json::object()}}}}}}}}},
        {"flows",
         {{{"name", "load"},
           {"batch_size", batch_size},
           {"from", {{"connector", "in"}, {"entity", "f"}, {"key", {"id"}}}},
           {"to", {{"connector", "db"}, {"entity", table}}},
           {"mapping", mapping}}}}};
    return dir.write("junction.json", doc.dump());
  }
  // Rows with one shared timestamp, read in small batches into the faulty plugin's log.
  void same_timestamp_rows_are_each_read_once(const std::string &url) {
    ASSERT_EQ(sql(url,
                  "DROP TABLE IF EXISTS items; CREATE TABLE items (id INTEGER PRIMARY KEY, "
                  "name TEXT, updated_at TEXT NOT NULL)")
                  .exit_code,
              0);
    std::string insert = "INSERT INTO items VALUES ";
    for (int i = 1; i <= 1000; ++i) {
      insert += (i > 1 ? "," : "") + std::string("(") + std::to_string(i) + ", 'item " +
                std::to_string(i) + "', '2026-01-01T00:00:00Z')";
    }
    ASSERT_EQ(sql(url, insert).exit_code, 0);
    const json doc = {
        {"connectors",
         {{"db",
           {{"plugin", "sql"},
            {"config", {{"url", url}, {"entities", {{"items", {{"cursor", {"updated_at"}}}}}}}}}},
          {"log", {{"plugin", "faulty"}, {"config", {{"log", "read.jsonl"}}}}}}},
        {"flows",
         {{{"name", "f"},
           {"batch_size", 64},
           {"from", {{"connector", "db"}, {"entity", "items"}, {"key", {"id"}}}},
           {"to", {{"connector", "log"}, {"entity", "items"}}}}}}};
    const auto config = dir.write("junction.json", doc.dump());
    auto r = sync(config);
    ASSERT_EQ(r.exit_code, 0) << r.err
                              << junction({"errors", "list", "--config", config.string()}).out;
    EXPECT_EQ(summary_of(r.out, "f"), (std::vector<long long>{1000, 0, 0, 0, 0, 0, 0}));
    EXPECT_EQ(written_of(r.out, "f"), 1000);
    EXPECT_EQ(lines_of(read_file(dir / "read.jsonl")).size(), 1000U);
    r = sync(config);
    EXPECT_EQ(summary_of(r.out, "f"), (std::vector<long long>{0, 0, 0, 0, 0, 0, 0}));
    ASSERT_EQ(sql(url,
                  "UPDATE items SET name = name || ' changed', updated_at = "
                  "'2026-01-02T00:00:00Z' WHERE id % 100 = 0")
                  .exit_code,
              0);
    r = sync(config);
    EXPECT_EQ(summary_of(r.out, "f"), (std::vector<long long>{10, 0, 0, 0, 0, 0, 0}));
    EXPECT_EQ(written_of(r.out, "f"), 10);
  }
  // Inserts, an update and deletes reach another table through the trigger log.
  void changes_and_deletes_flow_through_the_trigger_log(const std::string &url) {
    ASSERT_EQ(sql(url,
                  "DROP TABLE IF EXISTS members; DROP TABLE IF EXISTS members_copy; "
                  "DROP TABLE IF EXISTS junction_changes; "
                  "CREATE TABLE members (id INTEGER PRIMARY KEY, name TEXT); "
                  "CREATE TABLE members_copy (id INTEGER PRIMARY KEY, name TEXT)")
                  .exit_code,
              0);
    const json doc = {{"connectors",
                       {{"db",
                         {{"plugin", "sql"},
                          {"config",
                           {{"url", url},
                            {"entities",
                             {{"members", {{"capture", "triggers"}, {"install_capture", true}}},
                              {"copy", {{"table", "members_copy"}}}}}}}}}}},
                      {"flows",
                       {{{"name", "f"},
                         {"from", {{"connector", "db"}, {"entity", "members"}, {"key", {"id"}}}},
                         {"to", {{"connector", "db"}, {"entity", "copy"}}}}}}};
    const auto config = dir.write("junction.json", doc.dump());
    auto r = sync(config);  // installs the triggers; nothing has changed yet
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_EQ(sql(url, "INSERT INTO members VALUES (1, 'Ann'), (2, 'Bob'), (3, 'Cy')").exit_code,
              0);
    r = sync(config);
    // New rows: COPYed on PostgreSQL (created), upserted on SQLite (written: it cannot tell).
    const auto first = summary_of(r.out, "f");
    ASSERT_EQ(first.size(), 7U) << r.out;
    EXPECT_EQ(first[1] + written_of(r.out, "f"), 3) << r.out;
    EXPECT_EQ(first[2] + first[3] + first[4] + first[5] + first[6], 0) << r.out;
    ASSERT_EQ(sql(url,
                  "UPDATE members SET name = 'Ann Lee' WHERE id = 1; DELETE FROM members "
                  "WHERE id = 2; INSERT INTO members VALUES (4, 'Di'); DELETE FROM members "
                  "WHERE id = 4")
                  .exit_code,
              0);
    r = sync(config);
    EXPECT_EQ(summary_of(r.out, "f"), (std::vector<long long>{3, 0, 0, 0, 2, 0, 0})) << r.err;
    EXPECT_EQ(written_of(r.out, "f"), 1);
    EXPECT_EQ(query(url, "SELECT id, name FROM members_copy ORDER BY id"), "1|Ann Lee\n3|Cy\n");
    EXPECT_EQ(query(url, "SELECT COUNT(*) FROM junction_changes"), "0\n")
        << "acknowledged entries are trimmed";
    r = sync(config);
    EXPECT_EQ(summary_of(r.out, "f"), (std::vector<long long>{0, 0, 0, 0, 0, 0, 0}));
  }
  // With --watch and an hour-long schedule, only the database's own signal can bring a new
  // row over within seconds.
  void a_watching_run_wakes_on_change(const std::string &url) {
    ASSERT_EQ(sql(url,
                  "DROP TABLE IF EXISTS news; DROP TABLE IF EXISTS junction_changes; "
                  "CREATE TABLE news (id INTEGER PRIMARY KEY, title TEXT)")
                  .exit_code,
              0);
    const json doc = {
        {"connectors",
         {{"db",
           {{"plugin", "sql"},
            {"config",
             {{"url", url},
              {"entities", {{"news", {{"capture", "triggers"}, {"install_capture", true}}}}}}}}},
          {"log", {{"plugin", "faulty"}, {"config", {{"log", "news.jsonl"}}}}}}},
        {"flows",
         {{{"name", "news"},
           {"schedule", {{"every", "1h"}}},
           {"from", {{"connector", "db"}, {"entity", "news"}, {"key", {"id"}}}},
           {"to", {{"connector", "log"}, {"entity", "news"}}}}}}};
    const auto config = dir.write("junction.json", doc.dump());
    const int pid = start_process(
        junction_binary().string(),
        {"sync", "--watch", "--progress", "never", "--config", config.string(), "--plugin-path",
         built_plugin_dir().string(), "--plugin-path", test_plugin_dir().string()});
    // The first round installs the triggers; wait for them.
    for (int i = 0; i < 200; ++i) {
      if (query(url, url.rfind("sqlite:", 0) == 0
                         ? "SELECT COUNT(*) FROM sqlite_master WHERE name = 'junction_changes'"
                         : "SELECT COUNT(*) FROM pg_tables WHERE tablename = 'junction_changes'") ==
          "1\n") {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ASSERT_EQ(sql(url, "INSERT INTO news VALUES (1, 'first')").exit_code, 0);
    bool arrived = false;
    for (int i = 0; i < 300 && !arrived; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      arrived = fs::exists(dir / "news.jsonl") &&
                read_file(dir / "news.jsonl").find("\"first\"") != std::string::npos;
    }
    ::kill(pid, SIGTERM);
    EXPECT_EQ(wait_process(pid), 0);
    EXPECT_TRUE(arrived) << "the change did not wake the waiting run";
  }

  TempDir dir;
};

TEST_F(SqlConnector, CapturesChangesAndDeletesWithTriggersOnSqlite) {
  changes_and_deletes_flow_through_the_trigger_log("sqlite:" + (dir / "members.db").string());
}

TEST_F(SqlConnector, CapturesChangesAndDeletesWithTriggersOnPostgres) {
  JUNCTION_REQUIRE_POSTGRES(url);
  changes_and_deletes_flow_through_the_trigger_log(url);
}

TEST_F(SqlConnector, DeletesWhatASnapshotNoLongerHolds) {
  const auto db = (dir / "crm.db").string();
  ASSERT_EQ(sql(db, "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT)").exit_code, 0);
  dir.write("in/p.csv", "id,name,active\n1,Ann,yes\n2,Bob,yes\n3,Cy,yes\n");
  const auto config = dir.write("junction.json", R"({
    "connectors": {
      "in": {"plugin": "csv", "config": {"dir": "in", "entities": {"p": {"file": "p.csv", "stable_for": "0s"}}}},
      "crm": {"plugin": "sql", "config": {"url": "sqlite:crm.db", "entities": {"people": {}}}}
    },
    "flows": [{"name": "people", "deletes_from_snapshot": true,
               "from": {"connector": "in", "entity": "p", "key": ["id"]},
               "to": {"connector": "crm", "entity": "people"},
               "filter": [{"field": "active", "equals": "yes"}],
               "mapping": {"id": {"from": "id", "type": "integer"}, "name": {"from": "name"}}}]
  })");
  auto r = sync(config);
  EXPECT_EQ(summary_of(r.out, "people"), (std::vector<long long>{3, 0, 0, 0, 0, 0, 0})) << r.err;
  EXPECT_EQ(written_of(r.out, "people"), 3);
  // Bob leaves the export; Cy is no longer active.
  dir.write("in/p.csv", "id,name,active\n1,Ann,yes\n3,Cy,no\n");
  r = sync(config);
  EXPECT_EQ(summary_of(r.out, "people"), (std::vector<long long>{2, 0, 0, 1, 2, 0, 1})) << r.err;
  EXPECT_EQ(query(db, "SELECT id, name FROM people ORDER BY id"), "1|Ann\n");
  r = sync(config);
  EXPECT_EQ(summary_of(r.out, "people"), (std::vector<long long>{2, 0, 0, 1, 0, 0, 1}));
  // An empty snapshot is far more likely a broken export than everyone leaving.
  dir.write("in/p.csv", "id,name,active\n");
  r = sync(config);
  EXPECT_EQ(summary_of(r.out, "people"), (std::vector<long long>{0, 0, 0, 0, 0, 0, 0}));
  EXPECT_NE(r.err.find("the source snapshot was empty; 1 deletes were not applied"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM people"), "1\n");
  // Ann comes back after being deleted elsewhere: she is written again.
  dir.write("in/p.csv", "id,name,active\n1,Ann,yes\n2,Bob,yes\n");
  r = sync(config);
  EXPECT_EQ(summary_of(r.out, "people"), (std::vector<long long>{2, 0, 0, 1, 0, 0, 0})) << r.err;
  EXPECT_EQ(written_of(r.out, "people"), 1);
}

TEST_F(SqlConnector, AReadOnlyRoleIsEnoughToReadIncrementally) {
  JUNCTION_REQUIRE_POSTGRES(url);
  ASSERT_EQ(sql(url,
                "DROP TABLE IF EXISTS products; DROP ROLE IF EXISTS junction_reader; "
                "CREATE TABLE products (sku text PRIMARY KEY, price numeric(10,2), "
                "updated_at timestamptz NOT NULL DEFAULT now()); "
                "INSERT INTO products (sku, price) VALUES ('A-1', 9.99), ('B-2', 19.50); "
                "CREATE ROLE junction_reader LOGIN PASSWORD 'reader-pw'; "
                "GRANT SELECT ON products TO junction_reader")
                .exit_code,
            0);
  // Same cluster and database, another role: it can read and nothing else.
  std::string reader = url;
  reader.replace(reader.find("://") + 3, reader.find('@') - reader.find("://") - 3,
                 "junction_reader:reader-pw");
  const json doc = {{"connectors",
                     {{"erp",
                       {{"plugin", "sql"},
                        {"config",
                         {{"url", "${env:JUNCTION_TEST_READER_URL}"},
                          {"entities", {{"products", {{"cursor", {"updated_at"}}}}}}}}}},
                      {"log", {{"plugin", "faulty"}, {"config", {{"log", "products.jsonl"}}}}}}},
                    {"flows",
                     {{{"name", "products"},
                       {"from", {{"connector", "erp"}, {"entity", "products"}, {"key", {"sku"}}}},
                       {"to", {{"connector", "log"}, {"entity", "products"}}}}}}};
  const auto config = dir.write("junction.json", doc.dump());
  ProcessOptions options;
  options.set_env["JUNCTION_TEST_READER_URL"] = reader;
  std::vector<std::string> args = {"sync",
                                   "--progress",
                                   "never",
                                   "--config",
                                   config.string(),
                                   "--plugin-path",
                                   built_plugin_dir().string(),
                                   "--plugin-path",
                                   test_plugin_dir().string()};
  auto r = junction(args, options);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(summary_of(r.out, "products"), (std::vector<long long>{2, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(written_of(r.out, "products"), 2);
  EXPECT_EQ(r.err.find("reader-pw"), std::string::npos);
  ASSERT_EQ(sql(url,
                "UPDATE products SET price = 10.49, updated_at = now() + interval '1 second' "
                "WHERE sku = 'A-1'")
                .exit_code,
            0);
  r = junction(args, options);
  EXPECT_EQ(summary_of(r.out, "products"), (std::vector<long long>{1, 0, 0, 0, 0, 0, 0})) << r.err;
  EXPECT_EQ(written_of(r.out, "products"), 1);
  const auto log = read_file(dir / "products.jsonl");
  EXPECT_NE(log.find("\"price\":\"10.49\""), std::string::npos) << log;
}

TEST_F(SqlConnector, ReadsAQueryAndLooksBackAnOverlapWindowForSkewedClocks) {
  const std::string url = "sqlite:" + (dir / "shop.db").string();
  ASSERT_EQ(sql(url,
                "CREATE TABLE products (sku TEXT PRIMARY KEY, price TEXT, active INTEGER, "
                "updated_at TEXT NOT NULL); INSERT INTO products VALUES "
                "('A', '9.99', 1, '2026-01-01T10:00:00.000Z'), "
                "('B', '19.50', 0, '2026-01-01T10:00:05.000Z'), "
                "('C', '5.00', 1, '2026-01-01T10:00:10.000Z')")
                .exit_code,
            0);
  const json doc = {
      {"connectors",
       {{"shop",
         {{"plugin", "sql"},
          {"config",
           {{"url", url},
            {"entities",
             {{"live",
               {{"query", "SELECT sku, price, updated_at FROM products WHERE active = 1"},
                {"key", {"sku"}},
                {"cursor", {"updated_at"}},
                {"overlap", "30s"}}}}}}}}},
        {"log", {{"plugin", "faulty"}, {"config", {{"log", "live.jsonl"}}}}}}},
      {"flows",
       {{{"name", "live"},
         {"from", {{"connector", "shop"}, {"entity", "live"}, {"key", {"sku"}}}},
         {"to", {{"connector", "log"}, {"entity", "live"}}}}}}};
  const auto config = dir.write("junction.json", doc.dump());
  auto r = sync(config);
  EXPECT_EQ(summary_of(r.out, "live"), (std::vector<long long>{2, 0, 0, 0, 0, 0, 0})) << r.err;
  EXPECT_EQ(written_of(r.out, "live"), 2);
  // A writer whose clock is 5 s behind commits a row that sorts before the cursor.
  ASSERT_EQ(sql(url, "INSERT INTO products VALUES ('D', '7.00', 1, '2026-01-01T10:00:06.000Z')")
                .exit_code,
            0);
  r = sync(config);
  // The 30 s window reads A, D and C again; only D is new.
  EXPECT_EQ(summary_of(r.out, "live"), (std::vector<long long>{3, 0, 0, 2, 0, 0, 0})) << r.err;
  EXPECT_EQ(written_of(r.out, "live"), 1);
  EXPECT_NE(read_file(dir / "live.jsonl").find("\"sku\":\"D\""), std::string::npos);
}

TEST_F(SqlConnector, AWatchingRunWakesOnASqliteCommit) {
  a_watching_run_wakes_on_change("sqlite:" + (dir / "news.db").string());
}

TEST_F(SqlConnector, AWatchingRunWakesOnAPostgresNotification) {
  JUNCTION_REQUIRE_POSTGRES(url);
  a_watching_run_wakes_on_change(url);
}

TEST_F(SqlConnector, ABatchWithAConstraintViolationStillCommitsTheOtherRowsOnPostgres) {
  JUNCTION_REQUIRE_POSTGRES(url);
  ASSERT_EQ(sql(url,
                "DROP TABLE IF EXISTS accounts; CREATE TABLE accounts (id bigint PRIMARY KEY, "
                "email text NOT NULL UNIQUE, note text)")
                .exit_code,
            0);
  std::string csv = "id,email,note\n";
  for (int i = 1; i <= 500; ++i) {
    csv += std::to_string(i) + "," +
           (i == 250 ? std::string("a1@x.org") : "a" + std::to_string(i) + "@x.org") +
           ",tab\there \\ \"q\"\n";
  }
  dir.write("in/a.csv", csv);
  const auto config = load_config("a.csv", url, "accounts", 1000,
                                  {{"id", {{"from", "id"}, {"type", "integer"}}},
                                   {"email", {{"from", "email"}}},
                                   {"note", {{"from", "note"}}}});
  const auto r = sync(config);
  EXPECT_EQ(summary_of(r.out, "load"), (std::vector<long long>{500, 0, 0, 0, 0, 1, 0})) << r.err;
  EXPECT_EQ(written_of(r.out, "load"), 499);
  EXPECT_EQ(query(url, "SELECT COUNT(*) FROM accounts"), "499\n");
  EXPECT_EQ(query(url, "SELECT note FROM accounts WHERE id = 7"), "tab\there \\ \"q\"\n");
  const auto errors =
      json::parse(junction({"errors", "list", "--json", "--config", config.string()}).out);
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_EQ(errors[0]["source_key"], "250");
  EXPECT_NE(errors[0]["message"].get<std::string>().find(
                "duplicate key value violates unique constraint"),
            std::string::npos)
      << errors[0]["message"];
}

// A SQLite URL naming a file that is not there is refused rather than creating an empty
// database; and SQLite targets check foreign keys like any other database.
TEST_F(SqlConnector, AMissingSqliteFileIsRefusedAndForeignKeysAreChecked) {
  dir.write("in/o.csv", "id,customer_id\n1,7\n2,8\n");
  const std::string url = "sqlite:" + (dir / "shop.db").string();
  const auto config =
      load_config("o.csv", url, "orders", 1000,
                  {{"id", {{"from", "id"}, {"type", "integer"}}},
                   {"customer_id", {{"from", "customer_id"}, {"type", "integer"}}}});
  auto r = sync(config);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("does not exist (set \"create_database\": true"), std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir / "shop.db"));

  ASSERT_EQ(sql(url,
                "CREATE TABLE customers (id INTEGER PRIMARY KEY); INSERT INTO customers VALUES "
                "(7); CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL "
                "REFERENCES customers (id))")
                .exit_code,
            0);
  r = sync(config);
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(query(url, "SELECT id FROM orders"), "1\n");
  const auto errors =
      json::parse(junction({"errors", "list", "--json", "--config", config.string()}).out);
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_EQ(errors[0]["source_key"], "2");
  EXPECT_NE(errors[0]["message"].get<std::string>().find("FOREIGN KEY"), std::string::npos)
      << errors[0]["message"];
}

// PostgreSQL text cannot hold NUL: such a record is rejected whole, never stored cut short,
// on the COPY path (many new rows) and on the single-row path alike.
TEST_F(SqlConnector, AValueWithANulByteIsRejectedOnPostgres) {
  JUNCTION_REQUIRE_POSTGRES(url);
  ASSERT_EQ(sql(url,
                "DROP TABLE IF EXISTS nul_values; CREATE TABLE nul_values (id bigint PRIMARY KEY, "
                "name text)")
                .exit_code,
            0);
  std::string csv = "id,name\n";
  for (int i = 1; i <= 20; ++i) {
    csv += std::to_string(i) + "," +
           (i == 7 ? std::string("Nul\0Byte", 8) : "n" + std::to_string(i)) + "\n";
  }
  dir.write("in/n.csv", csv);
  const auto config =
      load_config("n.csv", url, "nul_values", 1000,
                  {{"id", {{"from", "id"}, {"type", "integer"}}}, {"name", {{"from", "name"}}}});
  const auto r = sync(config);
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(summary_of(r.out, "load"), (std::vector<long long>{20, 19, 0, 0, 0, 1, 0})) << r.out;
  EXPECT_EQ(query(url, "SELECT COUNT(*) FROM nul_values"), "19\n");
  EXPECT_EQ(query(url, "SELECT COUNT(*) FROM nul_values WHERE id = 7"), "0\n");
  const auto errors =
      json::parse(junction({"errors", "list", "--json", "--config", config.string()}).out);
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_EQ(errors[0]["source_key"], "7");
  EXPECT_NE(errors[0]["message"].get<std::string>().find("NUL byte"), std::string::npos)
      << errors[0]["message"];
}

// Rows new to the table are COPYed straight in; once a batch meets rows that are already
// there, the rest of the run upserts through the staging table.
TEST_F(SqlConnector, UpsertsIntoAPostgresTableThatAlreadyHoldsSomeRows) {
  JUNCTION_REQUIRE_POSTGRES(url);
  ASSERT_EQ(sql(url,
                "DROP TABLE IF EXISTS members; CREATE TABLE members (id bigint PRIMARY KEY, "
                "name text NOT NULL); INSERT INTO members VALUES (150, 'old'), (320, 'old')")
                .exit_code,
            0);
  std::string csv = "id,name\n";
  for (int i = 1; i <= 400; ++i) csv += std::to_string(i) + ",m" + std::to_string(i) + "\n";
  dir.write("in/m.csv", csv);
  const auto config =
      load_config("m.csv", url, "members", 100,
                  {{"id", {{"from", "id"}, {"type", "integer"}}}, {"name", {{"from", "name"}}}});
  const auto r = sync(config);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(summary_of(r.out, "load"), (std::vector<long long>{400, 100, 0, 0, 0, 0, 0}));
  EXPECT_EQ(written_of(r.out, "load"), 300);
  EXPECT_EQ(query(url, "SELECT COUNT(*), COUNT(DISTINCT name) FROM members"), "400|400\n");
  EXPECT_EQ(query(url, "SELECT name FROM members WHERE id IN (150, 320) ORDER BY id"),
            "m150\nm320\n");

  // The same load with its state lost: rows that already hold these values are left as
  // they are (same row version), the one that differs is updated.
  const std::string before = query(url, "SELECT xmin FROM members WHERE id = 7");
  ASSERT_EQ(sql(url, "UPDATE members SET name = 'edited' WHERE id = 8").exit_code, 0);
  std::filesystem::remove_all(dir / "var");
  const auto again = sync(config);
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(query(url, "SELECT xmin FROM members WHERE id = 7"), before);
  EXPECT_EQ(query(url, "SELECT name FROM members WHERE id = 8"), "m8\n");
}

// A run keeping its state in PostgreSQL: hashes compared through the second connection,
// recorded by the store writer, audited and queued there.
TEST_F(SqlConnector, KeepsItsStateInPostgres) {
  JUNCTION_REQUIRE_POSTGRES(url);
  const auto db = (dir / "crm.db").string();
  ASSERT_EQ(sql(db, "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT)").exit_code, 0);
  std::string csv = "id,name\n";
  for (int i = 1; i <= 2500; ++i) csv += std::to_string(i) + ",p" + std::to_string(i) + "\n";
  csv += ",nobody\n";
  dir.write("in/p.csv", csv);
  // The test cluster's database is shared: names of its own keep this run's state apart.
  const std::string tag = std::to_string(std::random_device{}());
  const json doc = {
      {"store", url},
      {"connectors",
       {{"in-" + tag,
         {{"plugin", "csv"},
          {"config",
           {{"dir", "in"}, {"entities", {{"p", {{"file", "p.csv"}, {"stable_for", "0s"}}}}}}}}},
        {"crm-" + tag,
         {{"plugin", "sql"},
          {"config", {{"url", "sqlite:crm.db"}, {"entities", {{"people", json::object()}}}}}}}}},
      {"flows",
       {{{"name", "people-" + tag},
         {"from", {{"connector", "in-" + tag}, {"entity", "p"}, {"key", {"id"}}}},
         {"to", {{"connector", "crm-" + tag}, {"entity", "people"}}},
         {"mapping",
          {{"id", {{"from", "id"}, {"type", "integer"}}}, {"name", {{"from", "name"}}}}}}}}};
  const auto config = dir.write("junction.json", doc.dump());
  auto r = sync(config);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(summary_of(r.out, "people-" + tag), (std::vector<long long>{2501, 0, 0, 0, 0, 1, 0}));
  EXPECT_EQ(written_of(r.out, "people-" + tag), 2500);
  r = sync(config);
  EXPECT_EQ(summary_of(r.out, "people-" + tag),
            (std::vector<long long>{2501, 0, 0, 2500, 0, 1, 0}));
  const std::string old_row = "\n7,p7\n";
  csv.replace(csv.find(old_row), old_row.size(), "\n7,seven\n");
  dir.write("in/p.csv", csv);
  r = sync(config);
  EXPECT_EQ(summary_of(r.out, "people-" + tag),
            (std::vector<long long>{2501, 0, 0, 2499, 0, 1, 0}));
  EXPECT_EQ(written_of(r.out, "people-" + tag), 1);
  EXPECT_EQ(query(db, "SELECT name FROM people WHERE id = 7"), "seven\n");
  const auto verify = junction({"audit", "verify", "--config", config.string()});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  // One JSON object per line, up to the listing's default limit.
  std::istringstream audit(
      junction({"audit", "list", "--json", "--flow", "people-" + tag, "--config", config.string()})
          .out);
  std::string line;
  std::size_t entries = 0;
  while (std::getline(audit, line)) {
    if (entries++ == 0) {
      EXPECT_EQ(json::parse(line)["operation"], "write");  // an upsert cannot tell which
    }
  }
  EXPECT_EQ(entries, 1000U);
  const auto errors =
      json::parse(junction({"errors", "list", "--json", "--config", config.string()}).out);
  std::size_t ours = 0;
  for (const auto &e : errors) ours += e["flow"] == "people-" + tag ? 1 : 0;
  EXPECT_EQ(ours, 1U);
}

// One connector as both source and sink: its reads and writes share a connection, which
// the run's stages must take turns on.
TEST_F(SqlConnector, CopiesBetweenTablesOfOneDatabase) {
  const auto db = (dir / "one.db").string();
  std::string setup =
      "CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT, updated_at TEXT NOT NULL); "
      "CREATE TABLE b (id INTEGER PRIMARY KEY, name TEXT); WITH RECURSIVE n(i) AS (SELECT 1 "
      "UNION ALL SELECT i + 1 FROM n WHERE i < 5000) INSERT INTO a SELECT i, 'n' || i, "
      "'2026-01-01T00:00:00Z' FROM n";
  ASSERT_EQ(sql(db, setup).exit_code, 0);
  const auto config = dir.write("junction.json", R"({
    "connectors": {
      "one": {"plugin": "sql", "config": {"url": "sqlite:one.db", "entities": {
        "a": {"cursor": ["updated_at"]}, "b": {}}}}
    },
    "flows": [{"name": "copy", "batch_size": 100,
               "from": {"connector": "one", "entity": "a", "key": ["id"]},
               "to": {"connector": "one", "entity": "b"},
               "mapping": {"id": {"from": "id", "type": "integer"}, "name": {"from": "name"}}}]
  })");
  const auto r = sync(config);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(summary_of(r.out, "copy"), (std::vector<long long>{5000, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(written_of(r.out, "copy"), 5000);
  EXPECT_EQ(query(db, "SELECT COUNT(*), SUM(id) FROM b"), "5000|12502500\n");
}

TEST_F(SqlConnector, UpsertsIntoSqliteWithPerRecordOutcomes) {
  const auto db = (dir / "erp.db").string();
  ASSERT_EQ(sql(db,
                "CREATE TABLE contacts (id INTEGER PRIMARY KEY, email VARCHAR(20) NOT NULL "
                "UNIQUE, name TEXT, fee TEXT)")
                .exit_code,
            0);
  dir.write("in/c.csv",
            "id,email,name,fee\n1,a@x.org,Ann,10.50\n2,b@x.org,Bob,3.00\n"
            "3,a@x.org,Dup,1.00\n4,a-very-long-address@example.org,Long,2.00\n");
  const auto config = dir.write("junction.json", R"({
    "connectors": {
      "in": {"plugin": "csv", "config": {"dir": "in", "entities": {"c": {"file": "c.csv", "stable_for": "0s"}}}},
      "erp": {"plugin": "sql", "config": {"url": "sqlite:erp.db", "entities": {"contacts": {}}}}
    },
    "flows": [{"name": "load", "from": {"connector": "in", "entity": "c", "key": ["id"]},
               "to": {"connector": "erp", "entity": "contacts"},
               "mapping": {"id": {"from": "id", "type": "integer"}, "email": {"from": "email"},
                           "name": {"from": "name"}, "fee": {"from": "fee", "type": "decimal"}}}]
  })");
  auto r = sync(config);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(summary_of(r.out, "load"), (std::vector<long long>{4, 0, 0, 0, 0, 2, 0}));
  EXPECT_EQ(written_of(r.out, "load"), 2);
  EXPECT_EQ(query(db, "SELECT id, email, name, fee FROM contacts ORDER BY id"),
            "1|a@x.org|Ann|10.50\n2|b@x.org|Bob|3.00\n");
  const auto errors =
      json::parse(junction({"errors", "list", "--json", "--config", config.string()}).out);
  ASSERT_EQ(errors.size(), 2U);
  EXPECT_EQ(errors[0]["message"], "UNIQUE constraint failed: contacts.email");
  EXPECT_EQ(errors[1]["message"],
            "'a-very-long-address@example.org' is 31 characters, longer "
            "than the 20 column 'email' holds");
  // Changed rows are updated in place; unchanged ones are not touched.
  dir.write("in/c.csv", "id,email,name,fee\n1,a@x.org,Ann Lee,10.50\n2,b@x.org,Bob,3.00\n");
  r = sync(config);
  EXPECT_EQ(summary_of(r.out, "load"), (std::vector<long long>{2, 0, 0, 1, 0, 0, 0}));
  EXPECT_EQ(written_of(r.out, "load"), 1);
  EXPECT_EQ(query(db, "SELECT name FROM contacts WHERE id = 1"), "Ann Lee\n");
}

TEST_F(SqlConnector, ReadsRowsSharingOneTimestampExactlyOnceOnSqlite) {
  same_timestamp_rows_are_each_read_once("sqlite:" + (dir / "items.db").string());
}

TEST_F(SqlConnector, ReadsRowsSharingOneTimestampExactlyOnceOnPostgres) {
  JUNCTION_REQUIRE_POSTGRES(url);
  same_timestamp_rows_are_each_read_once(url);
}

TEST_F(SqlConnector, KeepsExactDecimalsTimestampsAndNullsThroughPostgres) {
  JUNCTION_REQUIRE_POSTGRES(url);
  ASSERT_EQ(sql(url,
                "DROP TABLE IF EXISTS invoices; CREATE TABLE invoices (id bigint PRIMARY KEY, "
                "amount numeric(20,2) NOT NULL, paid boolean, due date, issued_at timestamptz, "
                "note varchar(10))")
                .exit_code,
            0);
  dir.write("in/i.csv",
            "id,amount,paid,due,issued_at,note\n"
            "1,12345678901234567.89,yes,2026-02-28,2026-01-15T10:30:00.123456Z,first\n"
            "2,0.10,no,,,\n"
            "3,1.00,yes,2026-02-30,,bad date\n"
            "4,2.00,no,,,much too long\n"
            "5,123456789012345678901.00,no,,,too big\n");
  const auto config = dir.write(
      "junction.json",
      json({{"connectors",
             {{"in",
               {{"plugin", "csv"},
                {"config",
                 {{"dir", "in"},
                  {"entities", {{"i", {{"file", "i.csv"}, {"stable_for", "0s"}}}}}}}}},
              {"pg",
               {{"plugin", "sql"},
                {"config", {{"url", url}, {"entities", {{"invoices", json::object()}}}}}}},
              {"out",
               {{"plugin", "csv"},
                {"config",
                 {{"dir", "out"},
                  {"entities", {{"i", {{"file_name", "i.csv"}, {"mode", "append"}}}}}}}}}}},
            {"flows",
             {{{"name", "load"},
               {"from", {{"connector", "in"}, {"entity", "i"}, {"key", {"id"}}}},
               {"to", {{"connector", "pg"}, {"entity", "invoices"}}},
               {"mapping",
                {{"id", {{"from", "id"}, {"type", "integer"}}},
                 {"amount", {{"from", "amount"}, {"type", "decimal"}}},
                 {"paid", {{"from", "paid"}, {"type", "boolean"}}},
                 {"due", {{"from", "due"}, {"type", "date"}}},
                 {"issued_at", {{"from", "issued_at"}, {"type", "timestamp"}}},
                 {"note", {{"from", "note"}}}}}},
              {{"name", "export"},
               {"from", {{"connector", "pg"}, {"entity", "invoices"}, {"key", {"id"}}}},
               {"to", {{"connector", "out"}, {"entity", "i"}}}}}}})
          .dump());
  auto r = sync(config, {"--flow", "load"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(summary_of(r.out, "load"), (std::vector<long long>{5, 2, 0, 0, 0, 3, 0}));
  EXPECT_EQ(query(url,
                  "SELECT id, amount, paid, due, issued_at AT TIME ZONE 'UTC', note FROM invoices "
                  "ORDER BY id"),
            "1|12345678901234567.89|t|2026-02-28|2026-01-15 10:30:00.123456|first\n2|0.10|f|||\n");
  const auto errors =
      json::parse(junction({"errors", "list", "--json", "--config", config.string()}).out);
  ASSERT_EQ(errors.size(), 3U);
  EXPECT_EQ(errors[0]["message"], "'due': '2026-02-30' from source field 'due' is not a real date");
  EXPECT_EQ(errors[1]["message"],
            "'much too long' is 13 characters, longer than the 10 column 'note' holds");
  EXPECT_EQ(errors[2]["message"],
            "123456789012345678901.00 has too many digits for column 'amount' (numeric(20,2))");
  r = sync(config, {"--flow", "export"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(dir / "out/i.csv"),
            "id,amount,paid,due,issued_at,note\n"
            "1,12345678901234567.89,true,2026-02-28,2026-01-15T10:30:00.123456Z,first\n"
            "2,0.10,false,,,\n");
}

}  // namespace
}  // namespace junction::testing
