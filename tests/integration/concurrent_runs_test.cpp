// Runs of different flows on one PostgreSQL store do not wait for each other: one run is
// held in the middle of its store transaction (its sink's commit waits for a file) while
// another flow's run starts, writes, audits and finishes.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"
#include "postgres.hpp"

namespace junction::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

json flow(const std::string &name) {
  return {{"name", name},
          {"batch_size", 10},
          {"from", {{"connector", "src_" + name}, {"entity", "items"}, {"key", {"id"}}}},
          {"to", {{"connector", "dst_" + name}, {"entity", "items"}}}};
}

TEST(ConcurrentRuns, TwoFlowsOnOnePostgresStoreDoNotWaitForEachOther) {
  JUNCTION_REQUIRE_POSTGRES_SERVER(server_url);
  TempDir dir;
  OwnDatabase db(server_url, "junction_concurrent");
  const fs::path release = dir / "release";
  const json doc = {{"store", "${env:JUNCTION_TEST_STORE_URL}"},
                    {"connectors",
                     {{"src_a", {{"plugin", "faulty"}, {"config", {{"generate", 50}}}}},
                      {"dst_a",
                       {{"plugin", "faulty"},
                        {"config", {{"log", "a.jsonl"}, {"hold_commit_until", release.string()}}}}},
                      {"src_b", {{"plugin", "faulty"}, {"config", {{"generate", 40}}}}},
                      {"dst_b", {{"plugin", "faulty"}, {"config", {{"log", "b.jsonl"}}}}}}},
                    {"flows", {flow("a"), flow("b")}}};
  const auto config = dir.write("junction.json", doc.dump(2));
  ProcessOptions options;
  options.set_env["JUNCTION_TEST_STORE_URL"] = db.url();
  options.unset_env.push_back("JUNCTION_PLUGIN_PATH");
  options.set_env["JUNCTION_DEFAULT_PLUGIN_PATH"] = "";
  const auto args = [&](const std::string &name) {
    return std::vector<std::string>{"sync",
                                    "--flow",
                                    name,
                                    "--config",
                                    config.string(),
                                    "--plugin-path",
                                    test_plugin_dir().string(),
                                    "--progress",
                                    "never"};
  };

  // Run a, until it has audited its writes in its open transaction and its sink holds
  // the commit.
  const int a = start_process(junction_binary().string(), args("a"), options);
  const std::string audited =
      "SELECT COUNT(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE "
      "c.relname = 'audit_entry' AND l.mode = 'RowExclusiveLock' AND l.granted AND "
      "l.pid <> pg_backend_pid()";
  bool held = false;
  for (int i = 0; i < 1200 && !held; ++i) {
    held = fs::exists(dir / "release.held") && psql(db.url(), audited).out == "1\n";
    if (!held) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(held) << "run a never reached its held commit with its audit written";

  // Run b starts and finishes while a's transaction is open.
  options.time_limit = std::chrono::seconds(90);
  const auto b = run_process(junction_binary().string(), args("b"), options);
  EXPECT_FALSE(b.timed_out) << "run b waited for run a: runs of different flows serialise";
  EXPECT_EQ(b.exit_code, 0) << b.err;
  EXPECT_FALSE(fs::exists(dir / "a.jsonl")) << "run a was still held when b finished";
  // A second run of flow a is told, at once, which session runs it.
  const auto again = run_process(junction_binary().string(), args("a"), options);
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("flow a failed: it is being run by PostgreSQL session "),
            std::string::npos)
      << again.err;

  dir.write("release", "");
  EXPECT_EQ(wait_process(a), 0);
  EXPECT_EQ(lines_of(read_file(dir / "a.jsonl")).size(), 50U);
  EXPECT_EQ(lines_of(read_file(dir / "b.jsonl")).size(), 40U);
  const auto verified = junction({"audit", "verify", "--config", config.string()}, options);
  EXPECT_EQ(verified.exit_code, 0) << verified.out;
  EXPECT_EQ(verified.out, "audit log intact: 90 entries in 2 chains\n");
  // Both runs' intervals overlap: b started after a and finished before it.
  const auto order = psql(db.url(), "SELECT string_agg(flow, ',' ORDER BY finished_at) FROM runs");
  EXPECT_EQ(order.out, "b,a\n");
}

}  // namespace
}  // namespace junction::testing

namespace junction::testing {
namespace {

// While a run holds the SQLite store's write lock (its sink's commit waits), commands
// that only read the store answer at once instead of waiting for the lock.
TEST(ConcurrentRuns, ReadOnlyCommandsDoNotWaitAndASecondRunSaysWhoRunsTheFlow) {
  TempDir dir;
  const fs::path release = dir / "release";
  const json doc = {
      {"store", "sqlite:state.db"},
      {"connectors",
       {{"src_a", {{"plugin", "faulty"}, {"config", {{"generate", 50}}}}},
        {"dst_a",
         {{"plugin", "faulty"},
          {"config", {{"log", "a.jsonl"}, {"hold_commit_until", release.string()}}}}}}},
      {"flows", {flow("a")}}};
  const auto config = dir.write("junction.json", doc.dump(2));
  ProcessOptions options;
  options.unset_env.push_back("JUNCTION_PLUGIN_PATH");
  options.set_env["JUNCTION_DEFAULT_PLUGIN_PATH"] = "";
  // The store exists and is up to date before the run starts.
  ASSERT_EQ(junction({"status", "--config", config.string()}, options).exit_code, 0);
  const int a = start_process(junction_binary().string(),
                              {"sync", "--config", config.string(), "--plugin-path",
                               test_plugin_dir().string(), "--progress", "never"},
                              options);
  bool held = false;
  for (int i = 0; i < 1200 && !held; ++i) {
    held = fs::exists(dir / "release.held");
    if (!held) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(held);  // its transaction began with the run's row: the write lock is held
  options.time_limit = std::chrono::seconds(30);
  for (const auto &command : std::vector<std::vector<std::string>>{
           {"status"}, {"errors", "list"}, {"audit", "list"}, {"audit", "verify"}}) {
    auto args = command;
    args.push_back("--config");
    args.push_back(config.string());
    const auto r = junction(args, options);
    EXPECT_EQ(r.exit_code, 0) << command[0] << ": " << r.err;
    EXPECT_EQ(r.err.find("locked"), std::string::npos) << r.err;
  }
  // A second run of the same flow says at once who runs it, and leaves it alone.
  const auto second = junction({"sync", "--config", config.string(), "--plugin-path",
                                test_plugin_dir().string(), "--progress", "never"},
                               options);
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(
      second.err.find("flow a failed: it is being run by process " + std::to_string(a) + " on "),
      std::string::npos)
      << second.err;
  EXPECT_NE(second.err.find("; this run left it alone"), std::string::npos) << second.err;
  dir.write("release", "");
  EXPECT_EQ(wait_process(a), 0);
  EXPECT_EQ(lines_of(read_file(dir / "a.jsonl")).size(), 50U) << "written once, by the first";
}

}  // namespace
}  // namespace junction::testing
