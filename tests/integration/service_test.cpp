// The service (`junction run`) driven as an admin would: its schedules, the admin API, the
// metrics endpoint, reloads, alerts and stopping.
#include <signal.h>

#include <chrono>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"
#include "crm_emulator.hpp"
#include "postgres.hpp"
#include "service_process.hpp"
#include "smtp_server.hpp"

namespace junction::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

const std::string api_token = "ops-token-5f0c2a9e41d7b3";

class Service : public ::testing::Test {
 protected:
  fs::path write_config(const json &doc) { return dir.write("junction.json", doc.dump(2)); }

  std::unique_ptr<ServiceProcess> start(const fs::path &config,
                                        const std::map<std::string, std::string> &env = {}) {
    ProcessOptions options;
    options.unset_env.push_back("JUNCTION_PLUGIN_PATH");
    options.set_env = {{"JUNCTION_DEFAULT_PLUGIN_PATH", ""}, {"JUNCTION_API_TOKEN", api_token}};
    options.set_env.insert(env.begin(), env.end());
    return std::make_unique<ServiceProcess>(
        junction_binary().string(),
        std::vector<std::string>{"run", "--config", config.string(), "--plugin-path",
                                 built_plugin_dir().string(), "--plugin-path",
                                 test_plugin_dir().string()},
        dir.path(), options);
  }

  // The port the service printed, once it listens; 0 when it did not start.
  int port_of(ServiceProcess &service) {
    if (!service.wait_for("admin API on http://127.0.0.1:", seconds(60))) return 0;
    std::smatch m;
    const std::string out = service.out();
    if (!std::regex_search(out, m, std::regex("127\\.0\\.0\\.1:(\\d+)"))) return 0;
    return std::stoi(m[1]);
  }

  static json service_section() {
    return {{"listen", "127.0.0.1:0"}, {"tokens", {{"ops", "${env:JUNCTION_API_TOKEN}"}}}};
  }

  std::string read(const std::string &name) const {
    return fs::exists(dir / name) ? read_file(dir / name) : std::string();
  }

  bool eventually(const std::function<bool()> &condition, milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (condition()) return true;
      std::this_thread::sleep_for(milliseconds(50));
    }
    return condition();
  }

  TempDir dir;
};

httplib::Headers bearer(const std::string &value = api_token) {
  return {{"Authorization", "Bearer " + value}};
}

json get_json(httplib::Client &client, const std::string &path) {
  const auto r = client.Get(path.c_str(), bearer());
  if (!r || r->status != 200) return json();
  return json::parse(r->body, nullptr, false);
}

// A daily flow and a real-time flow in one service: a change in the real-time flow's
// database brings its row over within seconds and the daily flow stays untouched; the
// API runs the daily one on demand and answers with its result; the metrics agree.
TEST_F(Service, RunsEachFlowOnItsOwnScheduleAndRunsOneNowThroughTheApi) {
  const auto db = (dir / "news.db").string();
  ASSERT_EQ(run_process("/usr/bin/sqlite3", {db,
                                             "CREATE TABLE news (id INTEGER PRIMARY KEY, "
                                             "title TEXT); INSERT INTO news VALUES (1, 'a')"})
                .exit_code,
            0);
  const auto config = write_config(
      {{"store", "sqlite:state.db"},
       {"service", service_section()},
       {"connectors",
        {{"gen", {{"plugin", "faulty"}, {"config", {{"generate", 3}}}}},
         {"daily_log", {{"plugin", "faulty"}, {"config", {{"log", "daily.jsonl"}}}}},
         {"db",
          {{"plugin", "sql"},
           {"config",
            {{"url", "sqlite:news.db"},
             {"entities", {{"news", {{"capture", "triggers"}, {"install_capture", true}}}}}}}}},
         {"live_log", {{"plugin", "faulty"}, {"config", {{"log", "live.jsonl"}}}}}}},
       {"flows",
        {{{"name", "daily"},
          {"schedule", {{"cron", "0 3 * * *"}, {"timezone", "Europe/Berlin"}}},
          {"from", {{"connector", "gen"}, {"entity", "people"}, {"key", {"id"}}}},
          {"to", {{"connector", "daily_log"}, {"entity", "people"}}}},
         {{"name", "live"},
          {"schedule", {{"on_change", true}}},
          {"from", {{"connector", "db"}, {"entity", "news"}, {"key", {"id"}}}},
          {"to", {{"connector", "live_log"}, {"entity", "news"}}}}}}});
  auto service = start(config);
  const int port = port_of(*service);
  ASSERT_GT(port, 0) << service->err();
  httplib::Client api("127.0.0.1", port);
  api.set_read_timeout(120, 0);

  // Health needs no token; everything else needs the right one.
  auto r = api.Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(api.Get("/v1/jobs")->status, 401);
  EXPECT_EQ(api.Get("/v1/jobs", bearer("ops-token-but-not-the-one"))->status, 401);
  EXPECT_EQ(api.Get("/metrics")->status, 401);
  EXPECT_EQ(api.Get("/readyz")->status, 200);

  // An on-change flow runs once at start (for what changed while the service was down; here
  // it installs its capture); from then on a committed change wakes it.
  ASSERT_TRUE(eventually(
      [&] {
        const json j = get_json(api, "/v1/jobs/live");
        return j.is_object() && j["last_run"].is_object();
      },
      seconds(30)));
  // The service reads the database meanwhile: wait for its lock rather than fail at once.
  ASSERT_EQ(run_process("/usr/bin/sqlite3",
                        {"-cmd", ".timeout 10000", db, "INSERT INTO news VALUES (2, 'b')"})
                .exit_code,
            0);
  EXPECT_TRUE(eventually([&] { return read("live.jsonl").find("\"b\"") != std::string::npos; },
                         seconds(30)))
      << service->err();
  ASSERT_EQ(run_process("/usr/bin/sqlite3",
                        {"-cmd", ".timeout 10000", db, "INSERT INTO news VALUES (3, 'c')"})
                .exit_code,
            0);
  EXPECT_TRUE(eventually([&] { return read("live.jsonl").find("\"c\"") != std::string::npos; },
                         seconds(30)))
      << service->err();
  EXPECT_FALSE(fs::exists(dir / "daily.jsonl")) << "a daily flow ran on another flow's change";
  const json jobs = get_json(api, "/v1/jobs");
  ASSERT_TRUE(jobs.is_array()) << service->err();
  for (const auto &j : jobs) {
    if (j["name"] == "daily") {
      EXPECT_TRUE(j["last_run"].is_null());
      EXPECT_EQ(j["schedule"], "cron 0 3 * * * (Europe/Berlin)");
      EXPECT_TRUE(j["next_run_at"].get<std::string>().find("T02:00:00") != std::string::npos ||
                  j["next_run_at"].get<std::string>().find("T01:00:00") != std::string::npos)
          << j.dump();
    } else {
      EXPECT_EQ(j["schedule"], "on change");
      EXPECT_EQ(j["last_run"]["result"], "succeeded") << j.dump();
    }
  }

  // Run now, wait, and get the run's result.
  r = api.Post("/v1/jobs/daily/run", bearer(), "", "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json result = json::parse(r->body);
  EXPECT_EQ(result["state"], "finished");
  EXPECT_EQ(result["result"]["result"], "succeeded") << r->body;
  EXPECT_EQ(result["result"]["counts"]["read"], 3);
  EXPECT_EQ(result["result"]["counts"]["written"], 3) << r->body;
  EXPECT_EQ(lines_of(read("daily.jsonl")).size(), 3U);
  const json runs = get_json(api, "/v1/runs?flow=daily");
  ASSERT_EQ(runs.size(), 1U);
  EXPECT_EQ(runs[0]["actor"], "api:ops") << "a run asked through the API is audited as its token";
  EXPECT_EQ(runs[0]["run_id"], result["result"]["run_id"]);
  EXPECT_EQ(api.Post("/v1/jobs/nothing/run", bearer(), "", "application/json")->status, 404);
  // Asked without waiting: a request to poll (the source reads changes since its cursor).
  r = api.Post("/v1/jobs/daily/run?wait=false", bearer(), "", "application/json");
  ASSERT_TRUE(r);
  const json polled = json::parse(r->body);
  const auto request = get_json(api, polled["poll"].get<std::string>() + "?timeout=60");
  EXPECT_EQ(request["state"], "finished") << request.dump();
  EXPECT_EQ(request["result"]["result"], "succeeded") << request.dump();
  EXPECT_EQ(request["result"]["counts"]["read"], 0) << request.dump();

  // The metrics parse as Prometheus text and their counters match the runs.
  r = api.Get("/metrics", bearer());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const auto metrics = dir.write("metrics.txt", r->body);
  const auto parsed =
      run_process("/usr/bin/python3",
                  {"-c",
                   "import sys\n"
                   "from prometheus_client.parser import text_string_to_metric_families as parse\n"
                   "total = {}\n"
                   "for family in parse(open(sys.argv[1]).read()):\n"
                   "  for s in family.samples:\n"
                   "    if s.name == 'junction_records_total' and s.labels['flow'] == 'daily':\n"
                   "      total[s.labels['outcome']] = s.value\n"
                   "    if s.name == 'junction_runs_total' and s.labels['flow'] == 'daily':\n"
                   "      total['runs_' + s.labels['result']] = s.value\n"
                   "print(int(total['read']), int(total['written']), int(total['unchanged']),"
                   " int(total['runs_succeeded']))\n",
                   metrics.string()});
  EXPECT_EQ(parsed.out, "3 3 0 2\n") << parsed.err << r->body;
  if (fs::exists("/usr/bin/promtool")) {  // promtool reads the metrics from stdin
    const auto checked =
        run_process("/bin/sh", {"-c", "/usr/bin/promtool check metrics < " + metrics.string()});
    EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  }
  EXPECT_NE(r->body.find("junction_change_to_write_seconds_bucket{flow=\"live\""),
            std::string::npos);

  const json status = get_json(api, "/v1/status");
  EXPECT_EQ(status["jobs"].size(), 2U) << status.dump();
  EXPECT_EQ(status["schema_version"], status["latest_schema_version"]);
  const json openapi = get_json(api, "/openapi.json");
  EXPECT_EQ(openapi["openapi"], "3.0.3");
  EXPECT_TRUE(openapi["paths"].contains("/v1/jobs/{name}/run"));

  EXPECT_EQ(service->stop(), 0) << service->err();
  EXPECT_EQ(service->err().find(api_token), std::string::npos) << "the token reached the log";
  EXPECT_EQ(service->out().find(api_token), std::string::npos);
}

// SIGHUP with one flow changed leaves the other's run alone; a config with a problem is
// refused whole and the old one keeps running; SIGTERM mid-run leaves nothing to repair.
// On PostgreSQL, where runs go side by side (on SQLite the service runs one at a time).
TEST_F(Service, ReloadsWithoutDisturbingUnchangedFlowsAndRefusesABadConfig) {
  JUNCTION_REQUIRE_POSTGRES_SERVER(server);
  const OwnDatabase database(server, "service_reload");
  json doc = {
      {"store", database.url()},
      {"service", service_section()},
      {"connectors",
       {{"gen", {{"plugin", "faulty"}, {"config", {{"generate", 5}}}}},
        {"held",
         {{"plugin", "faulty"},
          {"config", {{"log", "held.jsonl"}, {"hold_commit_until", (dir / "release").string()}}}}},
        {"other", {{"plugin", "faulty"}, {"config", {{"log", "other.jsonl"}}}}}}},
      {"flows",
       {{{"name", "slow"},
         {"schedule", {{"every", "1h"}}},
         {"from", {{"connector", "gen"}, {"entity", "a"}, {"key", {"id"}}}},
         {"to", {{"connector", "held"}, {"entity", "a"}}}},
        {{"name", "quick"},
         {"from", {{"connector", "gen"}, {"entity", "b"}, {"key", {"id"}}}},
         {"to", {{"connector", "other"}, {"entity", "b"}}}}}}};
  const auto config = write_config(doc);
  auto service = start(config);
  const int port = port_of(*service);
  ASSERT_GT(port, 0) << service->err();
  httplib::Client api("127.0.0.1", port);
  api.set_read_timeout(120, 0);
  // The hourly flow runs at once and holds in its sink's commit.
  ASSERT_TRUE(eventually([&] { return fs::exists(dir / "release.held"); }, seconds(30)))
      << service->err();

  // Change only the other flow (a filter) and reload.
  doc["flows"][1]["filter"] = json::array({{{"field", "id"}, {"not_equals", "2"}}});
  write_config(doc);
  service->signal(SIGHUP);
  ASSERT_TRUE(
      service->wait_for("config reloaded by SIGHUP: 1 changed (quick), 1 untouched", seconds(30)))
      << service->err();
  auto r = api.Post("/v1/jobs/quick/run", bearer(), "", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body)["result"]["counts"]["filtered"], 1) << r->body << service->err();
  EXPECT_EQ(lines_of(read("other.jsonl")).size(), 4U);

  // A config with problems is refused whole, every problem listed; the old one stays.
  doc["flows"][1]["schedule"] = {{"cron", "61 * * * *"}};
  doc["flows"][0]["to"]["connector"] = "nowhere";
  write_config(doc);
  r = api.Post("/v1/reload", bearer(), "", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422);
  const json refused = json::parse(r->body);
  EXPECT_FALSE(refused["applied"].get<bool>());
  EXPECT_EQ(refused["problems"].size(), 2U) << r->body;
  EXPECT_EQ(get_json(api, "/v1/jobs").size(), 2U);

  // The held run was never disturbed: released, it finishes as a whole.
  dir.write("release", "");
  ASSERT_TRUE(eventually(
      [&] {
        const json j = get_json(api, "/v1/jobs/slow");
        return j.is_object() && j["last_run"].is_object();
      },
      seconds(60)));
  const json slow = get_json(api, "/v1/jobs/slow");
  EXPECT_EQ(slow["last_run"]["result"], "succeeded") << slow.dump();
  EXPECT_EQ(slow["last_run"]["counts"]["written"], 5) << slow.dump();
  EXPECT_EQ(lines_of(read("held.jsonl")).size(), 5U);

  EXPECT_EQ(service->stop(), 0) << service->err();
}

// SIGTERM mid-run: the running flow finishes its current batch, checkpoints and the service
// exits 0; the next run continues where it stopped, nothing lost and nothing repeated.
TEST_F(Service, SigtermMidRunLeavesNothingToRepair) {
  const json doc = {
      {"store", "sqlite:state.db"},
      {"service", service_section()},
      {"connectors",
       {{"gen", {{"plugin", "faulty"}, {"config", {{"generate", 20000}}}}},
        {"log", {{"plugin", "faulty"}, {"config", {{"log", "out.jsonl"}, {"slow_ms", 20}}}}}}},
      {"flows",
       {{{"name", "big"},
         {"schedule", {{"every", "1h"}}},
         {"batch_size", 100},
         {"checkpoint_every", 100},
         {"from", {{"connector", "gen"}, {"entity", "a"}, {"key", {"id"}}}},
         {"to", {{"connector", "log"}, {"entity", "a"}}}}}}};
  const auto config = write_config(doc);
  auto service = start(config);
  ASSERT_GT(port_of(*service), 0) << service->err();
  ASSERT_TRUE(eventually([&] { return lines_of(read("out.jsonl")).size() >= 300; }, seconds(60)));
  EXPECT_EQ(service->stop(), 0) << service->err();
  const auto written_before = lines_of(read("out.jsonl")).size();
  EXPECT_LT(written_before, 20000U) << "the run was not stopped mid-way";
  ProcessOptions with_token;
  with_token.set_env = {{"JUNCTION_API_TOKEN", api_token}};
  with_token.time_limit = seconds(240);
  const auto again = junction({"sync", "--config", config.string(), "--plugin-path",
                               test_plugin_dir().string(), "--progress", "never"},
                              with_token);
  EXPECT_EQ(again.exit_code, 0) << again.err;
  std::set<std::string> ids;
  std::size_t lines = 0;
  for (const auto &line : lines_of(read("out.jsonl"))) {
    const auto record = json::parse(line, nullptr, false);
    if (!record.is_object()) continue;
    ++lines;
    ids.insert(record["key"].dump());
  }
  EXPECT_EQ(ids.size(), 20000U);
  EXPECT_EQ(lines, 20000U) << "a record was written twice";
}

// The error queue and the audit log through the API: changes are audited with the token's
// name; the chain stays intact.
TEST_F(Service, TheErrorQueueAndAuditLogThroughTheApi) {
  const auto config = write_config(
      {{"store", "sqlite:state.db"},
       {"service", service_section()},
       {"connectors",
        {{"gen", {{"plugin", "faulty"}, {"config", {{"generate", 20}}}}},
         {"log",
          {{"plugin", "faulty"}, {"config", {{"log", "out.jsonl"}, {"reject_pattern", ".*7"}}}}}}},
       {"flows",
        {{{"name", "members"},
          {"from", {{"connector", "gen"}, {"entity", "m"}, {"key", {"id"}}}},
          {"to", {{"connector", "log"}, {"entity", "m"}}}}}}});
  auto service = start(config);
  const int port = port_of(*service);
  ASSERT_GT(port, 0) << service->err();
  httplib::Client api("127.0.0.1", port);
  api.set_read_timeout(120, 0);
  auto r = api.Post("/v1/jobs/members/run", bearer(), "", "application/json");
  ASSERT_TRUE(r);
  const json run = json::parse(r->body);
  EXPECT_EQ(run["result"]["result"], "finished_with_errors") << r->body;
  const json errors = get_json(api, "/v1/errors?flow=members");
  ASSERT_EQ(errors.size(), 2U) << errors.dump();  // ids 7 and 17
  const auto id = errors[0]["id"].get<std::int64_t>();
  EXPECT_EQ(get_json(api, "/v1/errors/" + std::to_string(id))["state"], "open");

  r = api.Post(("/v1/errors/" + std::to_string(id) + "/discard").c_str(), bearer(),
               R"({"reason": "a test record"})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  r = api.Post(("/v1/errors/" + std::to_string(id) + "/discard").c_str(), bearer(),
               R"({"reason": "again"})", "application/json");
  EXPECT_EQ(r->status, 409) << r->body;
  EXPECT_EQ(api.Post("/v1/errors/1/discard", bearer(), "{}", "application/json")->status, 400);
  EXPECT_EQ(get_json(api, "/v1/errors?flow=members").size(), 1U);
  // Edits are checked against the record's fields, and audited.
  const auto other = get_json(api, "/v1/errors?flow=members")[0]["id"].get<std::int64_t>();
  r = api.Post(("/v1/errors/" + std::to_string(other) + "/edit").c_str(), bearer(),
               R"({"set": {"nmae": "x"}})", "application/json");
  EXPECT_EQ(r->status, 409);
  EXPECT_NE(r->body.find("has no field"), std::string::npos) << r->body;
  r = api.Post(("/v1/errors/" + std::to_string(other) + "/edit").c_str(), bearer(),
               R"({"set": {"note": "checked"}, "add": true})", "application/json");
  EXPECT_EQ(r->status, 200) << r->body;
  r = api.Get("/v1/errors/export?format=csv&state=all", bearer());
  ASSERT_TRUE(r);
  EXPECT_EQ(lines_of(r->body).size(), 3U) << r->body;  // the header and both entries
  EXPECT_EQ(r->body.rfind("id,flow,run_id,", 0), 0U) << r->body;
  // The other one still fails as before when re-driven.
  r = api.Post("/v1/errors/retry", bearer(), R"({"flow": "members"})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body)["failed"], 1) << r->body;

  bool audited = false;
  for (const auto &e : get_json(api, "/v1/audit?limit=1000")) {
    if (e["action"] == "errors.discard") {
      audited = true;
      EXPECT_EQ(e["actor"], "api:ops");
      EXPECT_NE(e["detail"].get<std::string>().find("a test record"), std::string::npos);
    }
  }
  EXPECT_TRUE(audited);
  const json verified = get_json(api, "/v1/audit/verify");
  EXPECT_TRUE(verified["intact"].get<bool>()) << verified.dump();
  EXPECT_EQ(api.Get("/v1/plan?sync=none", bearer())->status, 404);
  EXPECT_EQ(service->stop(), 0);
}

// One service per state store: a second one is refused with who holds it.
TEST_F(Service, ASecondServiceOnTheSameStoreIsRefusedByName) {
  const auto config = write_config(
      {{"store", "sqlite:state.db"},
       {"service", service_section()},
       {"connectors", {{"gen", {{"plugin", "faulty"}, {"config", {{"generate", 1}}}}}}},
       {"flows", json::array()}});
  auto first = start(config);
  ASSERT_GT(port_of(*first), 0) << first->err();
  ProcessOptions options;
  options.set_env = {{"JUNCTION_API_TOKEN", api_token}};
  options.time_limit = seconds(60);
  const auto second = junction(
      {"run", "--config", config.string(), "--plugin-path", test_plugin_dir().string()}, options);
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("another service uses the state store"), std::string::npos)
      << second.err;
  EXPECT_NE(second.err.find("process "), std::string::npos) << second.err;
  EXPECT_EQ(first->stop(), 0);
}

// Problems in the config stop the service before it starts, every one listed; a token
// written in clear is one of them.
TEST_F(Service, RefusesToStartWithEveryProblemListed) {
  const auto config = write_config(
      {{"service", {{"listen", "localhost"}, {"tokens", {{"ops", "written-in-clear-0123456789"}}}}},
       {"connectors", {{"gen", {{"plugin", "faulty"}, {"config", {{"generate", 1}}}}}}},
       {"flows",
        {{{"name", "f"},
          {"schedule", {{"cron", "* * *"}, {"timezone", "Mars/Base"}}},
          {"from", {{"connector", "gen"}, {"entity", "a"}, {"key", {"id"}}}},
          {"to", {{"connector", "gen"}, {"entity", "a"}}}}}},
       {"alerts", {{"rules", {{{"when", "error_queue_above"}, {"flows", {"nope"}}}}}}}});
  const auto r =
      junction({"run", "--config", config.string(), "--plugin-path", test_plugin_dir().string()});
  EXPECT_EQ(r.exit_code, 2);
  for (const char *expected : {"/service/listen: 'localhost' is not HOST:PORT",
                               "/service/tokens/ops: an API token must come from a reference",
                               "/flows/0/schedule/cron: a cron expression has 5 fields",
                               "/flows/0/schedule/timezone: unknown time zone 'Mars/Base'",
                               "/alerts/rules/0: an alert 'error_queue_above' needs \"count\"",
                               "/alerts/rules/0/flows/0: no flow or sync is named 'nope'"}) {
    EXPECT_NE(r.err.find(expected), std::string::npos) << expected << "\n" << r.err;
  }
  // check reports the same, without starting anything.
  const auto checked =
      junction({"check", "--config", config.string(), "--plugin-path", test_plugin_dir().string()});
  EXPECT_EQ(checked.exit_code, 2);
  EXPECT_NE(checked.err.find("unknown time zone 'Mars/Base'"), std::string::npos) << checked.err;
}

// A flow that fails, then recovers: the alert webhook gets exactly one firing and one
// resolved message.
TEST_F(Service, AnAlertFiresOnceAndResolvesOnce) {
  httplib::Server receiver;
  std::mutex mutex;
  std::vector<json> received;
  receiver.Post("/alerts", [&](const httplib::Request &req, httplib::Response &res) {
    const std::lock_guard lock(mutex);
    received.push_back(json::parse(req.body, nullptr, false));
    res.status = 204;
  });
  const int receiver_port = receiver.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { receiver.listen_after_bind(); });
  const auto messages = [&] {
    const std::lock_guard lock(mutex);
    return received;
  };

  SmtpServer smtp(dir.path() / "smtp", "alerts", "smtp-password-0b7d");
  json doc = {
      {"store", "sqlite:state.db"},
      {"service", service_section()},
      {"connectors",
       {{"gen", {{"plugin", "faulty"}, {"config", {{"generate", 2}}}}},
        {"crm",
         {{"plugin", "faulty"}, {"config", {{"log", "crm.jsonl"}, {"fail_all", "fatal"}}}}}}},
      {"flows",
       {{{"name", "members"},
         {"schedule", {{"every", "300ms"}}},
         {"from", {{"connector", "gen"}, {"entity", "m"}, {"key", {"id"}}}},
         {"to", {{"connector", "crm"}, {"entity", "m"}}}}}},
      {"alerts",
       {{"check_every", "100ms"},
        {"rules", {{{"name", "members failing"}, {"when", "run_failed"}}}},
        {"send_to",
         {{{"webhook", "http://127.0.0.1:" + std::to_string(receiver_port) + "/alerts"}},
          {{"email",
            {{"smtp", smtp.url()},
             {"from", "junction@example.org"},
             {"to", {"ops@example.org"}},
             {"username", "alerts"},
             {"password", "${env:SMTP_PASSWORD}"},
             {"ca_bundle", smtp.certificate().string()}}}}}}}}};
  const auto config = write_config(doc);
  auto service = start(config, {{"SMTP_PASSWORD", "smtp-password-0b7d"}});
  ASSERT_GT(port_of(*service), 0) << service->err();
  EXPECT_TRUE(eventually([&] { return !messages().empty(); }, seconds(30))) << service->err();
  // Several more failed runs go by without another message.
  ASSERT_TRUE(service->wait_for("flow members failed", seconds(10)));
  std::this_thread::sleep_for(milliseconds(1000));
  EXPECT_EQ(messages().size(), 1U);

  doc["connectors"]["crm"]["config"].erase("fail_all");
  write_config(doc);
  service->signal(SIGHUP);
  EXPECT_TRUE(eventually([&] { return messages().size() >= 2; }, seconds(30))) << service->err();
  std::this_thread::sleep_for(milliseconds(1000));
  EXPECT_EQ(service->stop(), 0);
  receiver.stop();
  serving.join();
  const auto all = messages();
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[0]["status"], "firing");
  EXPECT_EQ(all[0]["alert"], "members failing");
  EXPECT_EQ(all[0]["subject"], "members");
  EXPECT_NE(all[0]["summary"].get<std::string>().find("refused the credentials"), std::string::npos)
      << all[0].dump();
  EXPECT_EQ(all[1]["status"], "resolved");
  EXPECT_EQ(all[1]["starts_at"], all[0]["starts_at"]);
  EXPECT_EQ(service->count_in_err("alert members failing firing for members"), 1);
  // The same two by email, through a real SMTP server (STARTTLS, AUTH).
  EXPECT_TRUE(eventually([&] { return smtp.messages().size() == 2; }, seconds(20)));
  const auto mails = smtp.messages();
  ASSERT_EQ(mails.size(), 2U);
  EXPECT_NE(mails[0].find("Subject: [junction] members failing firing: members"), std::string::npos)
      << mails[0];
  EXPECT_NE(mails[1].find("Subject: [junction] members failing resolved: members"),
            std::string::npos)
      << mails[1];
  EXPECT_EQ(service->err().find("smtp-password-0b7d"), std::string::npos);
}

// A file moved into a watched folder runs the on-change flow reading that folder at once.
TEST_F(Service, ANewFileInAWatchedFolderRunsItsFlow) {
  fs::create_directories(dir / "incoming");
  const auto config = write_config(
      {{"store", "sqlite:state.db"},
       {"service", service_section()},
       {"connectors",
        {{"files",
          {{"plugin", "csv"},
           {"config",
            {{"dir", dir.path().string()},
             {"entities",
              {{"people",
                {{"in_dir", "incoming"}, {"pattern", "*.csv"}, {"stable_for", "0s"}}}}}}}}},
         {"log", {{"plugin", "faulty"}, {"config", {{"log", "people.jsonl"}}}}}}},
       {"flows",
        {{{"name", "arrivals"},
          {"schedule", {{"on_change", true}}},
          {"from", {{"connector", "files"}, {"entity", "people"}, {"key", {"id"}}}},
          {"to", {{"connector", "log"}, {"entity", "people"}}}}}}});
  auto service = start(config);
  const int port = port_of(*service);
  ASSERT_GT(port, 0) << service->err();
  httplib::Client api("127.0.0.1", port);
  ASSERT_TRUE(eventually(
      [&] {
        const json j = get_json(api, "/v1/jobs/arrivals");
        return j.is_object() && j["last_run"].is_object();
      },
      seconds(30)));
  // Written elsewhere, then moved in whole, as a careful exporter does.
  dir.write("p.tmp", "id,name\n1,Ann\n2,Bo\n");
  fs::rename(dir / "p.tmp", dir / "incoming" / "p1.csv");
  EXPECT_TRUE(eventually([&] { return lines_of(read("people.jsonl")).size() == 2; }, seconds(30)))
      << service->err();
  EXPECT_EQ(service->stop(), 0);
}

// A signed webhook from the CRM runs the on-change flow reading its contacts at once, and
// the new contact reaches the SQLite target; a forged one is refused with 401.
TEST_F(Service, ASignedWebhookRunsTheFlowAndItsRecordArrives) {
  const std::string crm_token = "pat-na1-webhook-test-token-91ab";
  const std::string secret = "app-client-secret-3c7e";
  CrmEmulator crm(dir.path(), crm_token);
  const auto contact = [&](const std::string &email, const std::string &name) {
    return crm
        .call("POST", "/crm/v3/objects/contacts",
              {{"properties", {{"email", email}, {"firstname", name}}}})
        .second["id"]
        .get<std::string>();
  };
  contact("ann@example.org", "Ann");
  ASSERT_EQ(run_process("/usr/bin/sqlite3",
                        {(dir / "members.db").string(),
                         "CREATE TABLE members (crm_id TEXT PRIMARY KEY, email TEXT, first_name "
                         "TEXT)"})
                .exit_code,
            0);
  const auto config = write_config(
      {{"store", "sqlite:state.db"},
       {"service", service_section()},
       {"connectors",
        {{"crm",
          {{"plugin", "crm"},
           {"config",
            {{"base_url", crm.base_url()},
             {"token", "${env:CRM_TOKEN}"},
             {"webhook_secret", "${env:CRM_WEBHOOK_SECRET}"},
             {"entities", {{"contacts", json::object()}}}}}}},
         {"db",
          {{"plugin", "sql"},
           {"config",
            {{"url", "sqlite:members.db"}, {"entities", {{"members", json::object()}}}}}}}}},
       {"flows",
        {{{"name", "crm-to-db"},
          {"schedule", {{"on_change", true}}},
          {"from", {{"connector", "crm"}, {"entity", "contacts"}, {"key", {"id"}}}},
          {"to", {{"connector", "db"}, {"entity", "members"}, {"key", {"crm_id"}}}},
          {"mapping",
           {{"crm_id", {{"from", "id"}}},
            {"email", {{"from", "email"}}},
            {"first_name", {{"from", "firstname"}}}}}}}}});
  ProcessOptions options;
  options.unset_env.push_back("JUNCTION_PLUGIN_PATH");
  options.set_env = {{"JUNCTION_DEFAULT_PLUGIN_PATH", ""},
                     {"JUNCTION_API_TOKEN", api_token},
                     {"CRM_TOKEN", crm_token},
                     {"CRM_WEBHOOK_SECRET", secret}};
  ServiceProcess service(
      junction_binary().string(),
      {"run", "--config", config.string(), "--plugin-path", built_plugin_dir().string()},
      dir.path(), options);
  const int port = port_of(service);
  ASSERT_GT(port, 0) << service.err();
  const auto members = [&] {
    return run_process("/usr/bin/sqlite3", {"-cmd", ".timeout 10000", (dir / "members.db").string(),
                                            "SELECT first_name FROM members ORDER BY 1"})
        .out;
  };
  ASSERT_TRUE(eventually([&] { return members() == "Ann\n"; }, seconds(30))) << service.err();

  const std::string id = contact("bo@example.org", "Bo");
  // The run the webhook starts meets one rate limit: the metrics count it for the account.
  crm.fault({{"status", 429}, {"count", 1}, {"path_part", "/search"}, {"retry_after_s", 1}});
  const std::string body =
      json::array({{{"objectId", std::stoll(id)}, {"subscriptionType", "contact.creation"}}})
          .dump();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/hooks/crm";
  const std::string timestamp = std::to_string(
      std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  // The signature as HubSpot computes it, by a second implementation (Python's hmac).
  const auto signed_by = run_process(
      "/usr/bin/python3",
      {"-c",
       "import base64, hashlib, hmac, sys\n"
       "print(base64.b64encode(hmac.new(sys.argv[1].encode(), ('POST' + sys.argv[2] + "
       "sys.argv[3] + sys.argv[4]).encode(), hashlib.sha256).digest()).decode(), end='')",
       secret, url, body, timestamp});
  ASSERT_EQ(signed_by.exit_code, 0) << signed_by.err;
  httplib::Client hooks("127.0.0.1", port);
  auto forged = hooks.Post("/hooks/crm",
                           {{"X-HubSpot-Signature-v3", "AAAA" + signed_by.out.substr(4)},
                            {"X-HubSpot-Request-Timestamp", timestamp}},
                           body, "application/json");
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 401) << forged->body;
  EXPECT_EQ(hooks.Post("/hooks/nothing", body, "application/json")->status, 404);
  auto r = hooks.Post(
      "/hooks/crm",
      {{"X-HubSpot-Signature-v3", signed_by.out}, {"X-HubSpot-Request-Timestamp", timestamp}}, body,
      "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202) << r->body;
  EXPECT_EQ(json::parse(r->body)["triggered"], json::array({"crm-to-db"})) << r->body;
  EXPECT_TRUE(eventually([&] { return members() == "Ann\nBo\n"; }, seconds(30))) << service.err();
  httplib::Client api("127.0.0.1", port);
  const auto metrics = api.Get("/metrics", bearer());
  ASSERT_TRUE(metrics);
  EXPECT_TRUE(std::regex_search(
      metrics->body, std::regex(R"(junction_api_throttled_total\{account="[^"]+"\} 1\n)")))
      << metrics->body;
  EXPECT_NE(metrics->body.find("junction_webhook_events_total{connector=\"crm\"} 1\n"),
            std::string::npos)
      << metrics->body;
  EXPECT_EQ(service.stop(), 0);
  EXPECT_EQ(run_process("/usr/bin/sqlite3",
                        {"-cmd", ".timeout 10000", (dir / "state.db").string(),
                         "SELECT COUNT(*), COUNT(handled_by_run) FROM webhook_events"})
                .out,
            "1|1\n")
      << "the event was kept, and handled by the run it triggered";
  EXPECT_EQ(service.err().find(secret), std::string::npos);
}

}  // namespace
}  // namespace junction::testing
