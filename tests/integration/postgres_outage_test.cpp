// Stopping the PostgreSQL server while a run writes to it. Runs alone (RUN_SERIAL): it
// takes the shared test cluster down for a moment.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"
#include "postgres.hpp"

namespace junction::testing {
namespace {

using json = nlohmann::json;

std::string psql(const std::string &url, const std::string &sql) {
  return run_process("/usr/bin/psql", {url, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql}).out;
}

TEST(PostgresOutage, ARunThatLosesTheServerFailsAndTheNextRunCompletesIt) {
  JUNCTION_REQUIRE_POSTGRES(url);
  const char *control = std::getenv("JUNCTION_TEST_PG_CONTROL");
  const char *cluster = std::getenv("JUNCTION_TEST_PG_DIR");
  if (control == nullptr || cluster == nullptr) GTEST_SKIP() << "no control over the test cluster";
  TempDir dir;
  psql(url,
       "DROP TABLE IF EXISTS outage; CREATE TABLE outage (id bigint PRIMARY KEY, name text NOT "
       "NULL)");
  std::string csv = "id,name\n";
  constexpr int rows = 60000;
  for (int i = 1; i <= rows; ++i) csv += std::to_string(i) + ",name " + std::to_string(i) + "\n";
  dir.write("in/rows.csv", csv);
  const json doc = {
      {"connectors",
       {{"in",
         {{"plugin", "csv"},
          {"config",
           {{"dir", "in"},
            {"entities", {{"rows", {{"file", "rows.csv"}, {"stable_for", "0s"}}}}}}}}},
        {"pg",
         {{"plugin", "sql"},
          {"config",
           {{"url", "${env:JUNCTION_OUTAGE_DB_URL}"},
            {"entities", {{"outage", json::object()}}}}}}}}},
      {"flows",
       {{{"name", "load"},
         {"batch_size", 200},
         {"checkpoint_every", 2000},
         {"retry", {{"max_attempts", 3}, {"initial_delay", "10ms"}, {"max_delay", "50ms"}}},
         {"from", {{"connector", "in"}, {"entity", "rows"}, {"key", {"id"}}}},
         {"to", {{"connector", "pg"}, {"entity", "outage"}}},
         {"mapping",
          {{"id", {{"from", "id"}, {"type", "integer"}}}, {"name", {{"from", "name"}}}}}}}}};
  const auto config = dir.write("junction.json", doc.dump());
  setenv("JUNCTION_OUTAGE_DB_URL", url.c_str(), 1);  // the test's own database
  const std::vector<std::string> args = {"sync",
                                         "--progress",
                                         "never",
                                         "--config",
                                         config.string(),
                                         "--plugin-path",
                                         built_plugin_dir().string()};
  const int pid = start_process(junction_binary().string(), args);
  // Let it commit a few checkpoints, then pull the server out from under it.
  for (int i = 0; i < 300 && std::stoll("0" + psql(url, "SELECT COUNT(*) FROM outage")) < 4000;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(run_process(control, {"stop-server", cluster}).exit_code, 0);
  const int code = wait_process(pid);
  ASSERT_EQ(run_process(control, {"start-server", cluster}).exit_code, 0);
  // If the run had already finished, there was no outage to test.
  if (code == 0) GTEST_SKIP() << "the run finished before the server stopped";
  EXPECT_EQ(code, 1) << "a lost server fails the run";
  const auto r = junction(args);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(psql(url, "SELECT COUNT(*), COUNT(DISTINCT id), MIN(id), MAX(id) FROM outage"),
            "60000|60000|1|60000\n");
  EXPECT_EQ(psql(url, "SELECT COUNT(*) FROM outage WHERE name <> 'name ' || id"), "0\n");
}

}  // namespace
}  // namespace junction::testing
