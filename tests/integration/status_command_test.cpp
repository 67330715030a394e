// junction status: the state store on SQLite and PostgreSQL.
#include <fstream>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"
#include "postgres.hpp"

namespace junction::testing {
namespace {

TEST(StatusCommand, CreatesAndMigratesTheDefaultSqliteStore) {
  TempDir dir;
  const auto config = dir.write("etc/junction.json", R"({"connectors": {}})");
  const auto r = junction({"status", "--config", config.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir / "etc/var/state.db"));
  EXPECT_NE(r.out.find("store:          sqlite:" + (dir / "etc/var/state.db").string()),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("schema version: 14 (this build knows 14)"), std::string::npos);
  EXPECT_NE(r.out.find("open errors:    0"), std::string::npos);
}

// A damaged store: one clear line saying what to do, no SQL, no half report.
TEST(StatusCommand, ADamagedStoreIsNamedWithoutSqlOrAHalfReport) {
  TempDir dir;
  const auto config = dir.write("junction.json", R"({"connectors": {}})");
  ASSERT_EQ(junction({"status", "--config", config.string()}).exit_code, 0);
  // Damage the pages after the header: the file still opens as SQLite.
  {
    std::fstream f(dir / "var/state.db", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096);
    const std::string junk(16384, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  for (const auto &command :
       std::vector<std::vector<std::string>>{{"status"}, {"errors", "list"}, {"audit", "verify"}}) {
    auto args = command;
    args.push_back("--config");
    args.push_back(config.string());
    const auto r = junction(args);
    EXPECT_EQ(r.exit_code, 1) << command[0] << r.out << r.err;
    EXPECT_EQ(r.out, "") << command[0];
    EXPECT_NE(r.err.find("the state store is damaged: stop every run and restore it from a "
                         "backup"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find("while "), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("SELECT"), std::string::npos) << r.err;
  }
}

TEST(StatusCommand, UsesPostgresThroughASecretReferenceWithoutShowingThePassword) {
  JUNCTION_REQUIRE_POSTGRES(url);
  TempDir dir;
  const auto config =
      dir.write("junction.json", R"({"store": "${env:JUNCTION_STORE_URL}", "connectors": {}})");
  ProcessOptions options;
  options.set_env["JUNCTION_STORE_URL"] = url;
  const auto r = junction({"status", "--config", config.string()}, options);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto password = url.substr(url.find(':', 14) + 1, url.find('@') - url.find(':', 14) - 1);
  EXPECT_EQ(r.out.find(password), std::string::npos);
  EXPECT_NE(r.out.find("store:          postgresql://junction:***@127.0.0.1"), std::string::npos)
      << r.out;
  // The store exists now: opening it again makes the server say "already exists, skipping".
  // Such notices go through the logger (debug), never raw onto stderr.
  const auto again = junction(
      {"--log-format", "json", "--log-level", "debug", "status", "--config", config.string()},
      options);
  EXPECT_EQ(again.exit_code, 0) << again.err;
  for (const auto &line : lines_of(again.err)) {
    EXPECT_TRUE(nlohmann::json::accept(line)) << "not a JSON line: " << line;
  }
  EXPECT_EQ(junction({"status", "--config", config.string()}, options).err.find("NOTICE"),
            std::string::npos);
}

TEST(StatusCommand, FailsWithExit1WhenTheStoreIsUnreachable) {
  TempDir dir;
  const auto config = dir.write(
      "junction.json",
      R"({"store": "postgresql://nobody:pw@127.0.0.1:1/none?connect_timeout=2", "connectors": {}})");
  const auto r = junction({"status", "--config", config.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot open the state store postgresql://nobody:***@127.0.0.1:1/none"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find(":pw@"), std::string::npos);
}

}  // namespace
}  // namespace junction::testing

namespace junction::testing {
namespace {

// status shows each flow's schedule, last run, result, lag and next run; --json says the
// same for scripts, as do sync --json and check --json.
TEST(StatusCommand, ShowsEachFlowsLastRunLagAndNextRunAlsoAsJson) {
  TempDir dir;
  const auto config = dir.write("junction.json", R"({
    "connectors": {"gen": {"plugin": "faulty", "config": {"generate": 3}},
                   "log": {"plugin": "faulty", "config": {"log": "x.jsonl"}}},
    "flows": [
      {"name": "hourly", "schedule": {"every": "1h"},
       "from": {"connector": "gen", "entity": "e", "key": ["id"]}, "to": {"connector": "log", "entity": "e"}},
      {"name": "nightly", "schedule": {"cron": "30 2 * * *", "timezone": "UTC"},
       "from": {"connector": "gen", "entity": "f", "key": ["id"]}, "to": {"connector": "log", "entity": "f"}}]})");
  const auto synced = junction({"sync", "--json", "--flow", "hourly", "--config", config.string(),
                                "--plugin-path", test_plugin_dir().string()});
  ASSERT_EQ(synced.exit_code, 0) << synced.err;
  const auto round = nlohmann::json::parse(synced.out);
  ASSERT_EQ(round["flows"].size(), 1U);
  EXPECT_EQ(round["flows"][0]["result"], "succeeded");
  EXPECT_EQ(round["flows"][0]["counts"]["read"], 3);

  const auto text = junction({"status", "--config", config.string()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("FLOW OR SYNC"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("cron 30 2 * * *"), std::string::npos) << text.out;
  const auto r = junction({"status", "--json", "--config", config.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto status = nlohmann::json::parse(r.out);
  ASSERT_EQ(status["jobs"].size(), 2U);
  const auto &hourly = status["jobs"][0];
  EXPECT_EQ(hourly["name"], "hourly");
  EXPECT_EQ(hourly["schedule"], "every 1h");
  EXPECT_EQ(hourly["last_run"]["result"], "succeeded");
  EXPECT_EQ(hourly["last_run"]["run_id"], round["flows"][0]["run_id"]);
  EXPECT_GE(hourly["lag_seconds"].get<double>(), 0.0);
  // An hour after the run's start as the store recorded it, to the second (the sync's
  // own report takes its start a moment earlier, which can fall in the second before).
  EXPECT_EQ(hourly["next_run_at"].get<std::string>().substr(14, 5),
            hourly["last_run"]["started_at"].get<std::string>().substr(14, 5));
  const auto &nightly = status["jobs"][1];
  EXPECT_TRUE(nightly["last_run"].is_null());
  EXPECT_NE(nightly["next_run_at"].get<std::string>().find("T02:30:00"), std::string::npos);
  EXPECT_EQ(status["records_known"], 3);

  dir.write("bad.json", R"({"connectors": {}, "flows": [{"name": 5}], "stor": 1})");
  const auto checked = junction({"check", "--json", "--config", (dir / "bad.json").string()});
  EXPECT_EQ(checked.exit_code, 2);
  const auto outcome = nlohmann::json::parse(checked.out);
  EXPECT_FALSE(outcome["ok"].get<bool>());
  std::set<std::string> pointers;
  for (const auto &p : outcome["problems"]) pointers.insert(p["pointer"].get<std::string>());
  EXPECT_TRUE(pointers.contains("/stor")) << checked.out;
  EXPECT_TRUE(pointers.contains("/flows/0/name")) << checked.out;
}

}  // namespace
}  // namespace junction::testing
