// Delivery guarantees through the real binary: retries, the error queue, circuit breaking,
// crash safety under SIGKILL, clean stops, and the audit chain.
#include <signal.h>

#include <chrono>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "cli_helpers.hpp"

namespace junction::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

class Delivery : public ::testing::Test {
 protected:
  // A flow from a generating source to a logging sink, both the "faulty" test plugin.
  fs::path config(const json &source, const json &sink, const json &flow_extra = json::object()) {
    json flow = {{"name", "f"},
                 {"from", {{"connector", "src"}, {"entity", "items"}, {"key", {"id"}}}},
                 {"to", {{"connector", "dst"}, {"entity", "items"}}},
                 {"retry", {{"max_attempts", 30}, {"initial_delay", "1ms"}, {"max_delay", "5ms"}}}};
    for (auto it = flow_extra.begin(); it != flow_extra.end(); ++it) flow[it.key()] = it.value();
    json sink_config = sink;
    sink_config["log"] = "delivered.jsonl";
    const json doc = {{"connectors",
                       {{"src", {{"plugin", "faulty"}, {"config", source}}},
                        {"dst", {{"plugin", "faulty"}, {"config", sink_config}}}}},
                      {"flows", {flow}}};
    return dir.write("junction.json", doc.dump(2));
  }
  std::vector<std::string> base_args(const fs::path &file) {
    return {"sync",       "--config", file.string(), "--plugin-path", test_plugin_dir().string(),
            "--progress", "never"};
  }
  // `global` options go before the command: "--log-level debug".
  ProcessResult sync(const fs::path &file, std::vector<std::string> global = {},
                     ProcessOptions options = {}) {
    const auto args = base_args(file);
    global.insert(global.end(), args.begin(), args.end());
    return junction(global, options);
  }
  // Final content per key in the sink's durable log, and how many writes it saw.
  std::map<std::string, json> delivered(std::size_t *writes = nullptr) {
    std::map<std::string, json> out;
    std::size_t n = 0;
    if (!fs::exists(dir / "delivered.jsonl")) return out;
    for (const auto &line : lines_of(read_file(dir / "delivered.jsonl"))) {
      if (line.empty()) continue;
      const auto j = json::parse(line);
      out[j["key"]] = j["record"];
      ++n;
    }
    if (writes != nullptr) *writes = n;
    return out;
  }
  json errors(const fs::path &file) {
    return json::parse(
        junction({"errors", "list", "--json", "--limit", "1000000", "--config", file.string()})
            .out);
  }
  TempDir dir;
};

TEST_F(Delivery, ThirtyPercentTransientFailuresStillDeliverEveryRecord) {
  const auto file = config({{"generate", 10000}}, {{"transient_rate", 0.3}});
  const auto r = sync(file);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto s = summary_of(r.out, "f");
  ASSERT_EQ(s.size(), 7U) << r.out;
  EXPECT_EQ(s[0], 10000);
  EXPECT_EQ(s[0], s[1] + s[2] + s[3] + s[5] + s[6] + written_of(r.out, "f"))
      << "read = created + updated + unchanged + queued + written";
  EXPECT_EQ(s[5], 0);
  EXPECT_EQ(delivered().size(), 10000U);
}

TEST_F(Delivery, PermanentFailuresGoToTheQueueAtOnceAndTheRestFlows) {
  const auto file = config({{"generate", 2000}}, {{"reject_pattern", ".*7"}});
  const auto r = sync(file);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(summary_of(r.out, "f"), (std::vector<long long>{2000, 0, 0, 0, 0, 200, 0}));
  EXPECT_EQ(written_of(r.out, "f"), 1800);
  const auto queued = errors(file);
  ASSERT_EQ(queued.size(), 200U);
  for (const auto &e : queued) {
    EXPECT_EQ(e["attempts"], 1);
    EXPECT_EQ(e["stage"], "write");
    EXPECT_EQ(e["status"], "rejected");
    EXPECT_EQ(e["message"],
              "key " + e["source_key"].get<std::string>() + " is refused by the target");
  }
  EXPECT_EQ(delivered().size(), 1800U);
}

// A listing cut at its limit says how many it left out, rather than stopping silently.
TEST_F(Delivery, AListCutAtItsLimitSaysHowManyItLeftOut) {
  const auto file = config({{"generate", 30}}, {{"reject_pattern", ".*"}});
  EXPECT_EQ(sync(file).exit_code, 3);
  for (const char *command : {"errors", "audit"}) {
    auto r = junction({command, "list", "--limit", "10", "--config", file.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (std::string(command) == "errors") {
      EXPECT_NE(r.err.find("showing the oldest 10 of 30 errors; use --limit N, --since TIME or "
                           "--all"),
                std::string::npos)
          << r.err;
      r = junction({command, "list", "--all", "--json", "--config", file.string()});
      EXPECT_EQ(json::parse(r.out).size(), 30U);
      EXPECT_EQ(r.err.find("showing"), std::string::npos) << r.err;
    }
  }
}

TEST_F(Delivery, ExhaustedRetriesAreQueuedNotDropped) {
  const auto file =
      config({{"generate", 50}}, {{"transient_rate", 1.0}},
             {{"retry", {{"max_attempts", 3}, {"initial_delay", "1ms"}, {"max_delay", "2ms"}}}});
  const auto r = sync(file);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  const auto queued = errors(file);
  ASSERT_EQ(queued.size(), 50U);
  EXPECT_EQ(queued[0]["status"], "transient");
  EXPECT_EQ(queued[0]["attempts"], 3);
  EXPECT_EQ(queued[0]["message"], "gave up after 3 attempts: the target is busy");
}

TEST_F(Delivery, TransientlyFailedRecordsCanBeRedrivenAutomaticallyOnTheNextRun) {
  const json fast_retry = {{"max_attempts", 2}, {"initial_delay", "1ms"}, {"max_delay", "1ms"}};
  auto file = config({{"generate", 40}}, {{"transient_rate", 1.0}}, {{"retry", fast_retry}});
  EXPECT_EQ(sync(file).exit_code, 3);
  EXPECT_EQ(errors(file).size(), 40U);
  // The target recovers; the flow asks for queued transient failures to be retried.
  file = config({{"generate", 40}}, json::object(),
                {{"retry", fast_retry}, {"redrive_transient", true}});
  const auto r = sync(file);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("f: retried 40 queued records: 40 delivered, 0 still failing"),
            std::string::npos)
      << r.out;
  EXPECT_TRUE(errors(file).empty());
  EXPECT_EQ(delivered().size(), 40U);
}

// The host's own backoff here is 1 to 5 ms; the target asks for 100 ms: every wait the
// host chose (it says so at debug level) is at least what the target asked.
TEST_F(Delivery, RetryAfterHintsAreHonoured) {
  const auto file =
      config({{"generate", 20}}, {{"transient_rate", 0.5}, {"retry_after_ms", 100}, {"seed", 3}},
             {{"retry", {{"max_attempts", 10}, {"initial_delay", "1ms"}, {"max_delay", "5ms"}}}});
  const auto r = sync(file, {"--log-level", "debug"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::regex retry(R"(retrying them in (\d+) ms \(the target asked for (\d+) ms\))");
  int retries = 0;
  for (std::sregex_iterator it(r.err.begin(), r.err.end(), retry), end; it != end; ++it) {
    ++retries;
    EXPECT_EQ(std::stoll((*it)[2]), 100) << it->str();
    EXPECT_GE(std::stoll((*it)[1]), 100) << it->str();
  }
  EXPECT_GT(retries, 0) << r.err;
  EXPECT_EQ(delivered().size(), 20U);
}

// The checkpoint order: the sink commits before the store. A sink whose commit fails has
// lost what it was sent, so the store must not record it as delivered: the next run sends
// every record again. A host that committed the store first would send nothing.
TEST_F(Delivery, ARecordIsDeliveredOnlyOnceTheSinkHasCommittedIt) {
  auto file = config({{"generate", 50}}, {{"fail_commit", true}});
  auto failed = sync(file);
  EXPECT_EQ(failed.exit_code, 1) << failed.out << failed.err;
  EXPECT_NE(failed.err.find("the target refused to commit"), std::string::npos) << failed.err;
  EXPECT_TRUE(delivered().empty());
  file = config({{"generate", 50}}, json::object());
  const auto r = sync(file);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(written_of(r.out, "f"), 50) << r.out;
  EXPECT_EQ(delivered().size(), 50U);
}

TEST_F(Delivery, AnUnreachableTargetFailsTheRunAndTheCursorStays) {
  auto file =
      config({{"generate", 300}}, {{"fail_all", "transient"}},
             {{"retry", {{"max_attempts", 3}, {"initial_delay", "1ms"}, {"max_delay", "2ms"}}}});
  auto r = sync(file);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("flow f failed: connector 'dst' failed to write: the target is unreachable "
                       "(after 3 attempts)"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(errors(file).empty());
  // Once it is back, nothing was skipped.
  file = config({{"generate", 300}}, json::object());
  r = sync(file);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(summary_of(r.out, "f"), (std::vector<long long>{300, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(written_of(r.out, "f"), 300);
}

TEST_F(Delivery, AFatalTargetFailsAtOnce) {
  const auto file = config({{"generate", 10}}, {{"fail_all", "fatal"}});
  const auto r = sync(file);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("the target refused the credentials (after 1 attempt)"), std::string::npos)
      << r.err;
}

TEST_F(Delivery, ASourceFailingMidReadIsRetried) {
  const auto file = config({{"generate", 3000}, {"fail_read_after", 1500}, {"fail_read_times", 2}},
                           json::object());
  const auto r = sync(file);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(delivered().size(), 3000U);
}

// A source that fails fatally (it says retrying cannot help) is not retried: the run fails
// at once with the source's words, nothing of it is recorded, and the next run delivers
// every record once.
TEST_F(Delivery, AFatalSourceFailsTheRunAtOnceAndTheNextRunDeliversAll) {
  auto file =
      config({{"generate", 3000},
              {"fail_read_after", 1500},
              {"fail_read_times", 1},
              {"fail_read_fatal", true}},
             json::object(),
             {{"retry", {{"max_attempts", 5}, {"initial_delay", "1ms"}, {"max_delay", "2ms"}}}});
  auto r = sync(file);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("the source broke down"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("attempts"), std::string::npos) << "a fatal failure is not retried:\n"
                                                       << r.err;
  EXPECT_TRUE(errors(file).empty());
  file = config({{"generate", 3000}}, json::object());
  r = sync(file);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::size_t writes = 0;
  EXPECT_EQ(delivered(&writes).size(), 3000U);
  EXPECT_EQ(writes, 3000U) << "a record was delivered twice";
}

TEST_F(Delivery, RunsKilledAtRandomMomentsLoseAndDuplicateNothing) {
  constexpr int total = 200000;
  const auto file = config({{"generate", total}}, {{"reject_pattern", ".*13"}},
                           {{"batch_size", 1000}, {"checkpoint_every", 10000}});
  std::mt19937 random(12345);
  std::uniform_int_distribution<int> delay_ms(20, 1500);
  int killed_mid_run = 0;  // runs the SIGKILL ended, not runs that had finished already
  for (int i = 0; i < 20; ++i) {
    const int pid = start_process(junction_binary().string(), base_args(file));
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
    ::kill(pid, SIGKILL);
    if (wait_process(pid) == -SIGKILL) ++killed_mid_run;
  }
  EXPECT_GE(killed_mid_run, 10) << "most runs must be killed while they work";
  // The run that finishes the job handles most of the 200,000 records: under the
  // sanitizers, and beside other tests, it may take longer than a process's usual limit.
  ProcessOptions patient;
  patient.time_limit = std::chrono::seconds(240);
  const auto r = sync(file, {}, patient);
  // 3 when this last run met rejected records itself; 0 when killed runs already had.
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 3)
      << "exit " << r.exit_code << ", signal " << r.signal << "\n"
      << r.out << r.err;
  std::set<std::string> rejected;
  for (int id = 1; id <= total; ++id) {
    const std::string key = std::to_string(id);
    if (key.size() >= 2 && key.compare(key.size() - 2, 2, "13") == 0) rejected.insert(key);
  }
  std::size_t writes = 0;
  const auto final_state = delivered(&writes);
  EXPECT_EQ(final_state.size(), total - rejected.size());
  // At least once: a kill re-sends at most what its run had not checkpointed (one
  // checkpoint's worth of records and the batch in flight), never more.
  EXPECT_GE(writes, final_state.size());
  EXPECT_LE(writes, final_state.size() + static_cast<std::size_t>(killed_mid_run) * 11000U)
      << killed_mid_run << " runs killed";
  for (int id = 1; id <= total; id += 997) {
    const std::string key = std::to_string(id);
    if (rejected.contains(key)) {
      EXPECT_FALSE(final_state.contains(key));
    } else {
      ASSERT_TRUE(final_state.contains(key)) << key;
      EXPECT_EQ(final_state.at(key)["value"], std::to_string(id * 7));
    }
  }
  std::set<std::string> queued;
  for (const auto &e : errors(file)) queued.insert(e["source_key"].get<std::string>());
  EXPECT_EQ(queued, rejected);
  // A later run finds nothing to do.
  const auto again = sync(file, {}, patient);
  EXPECT_EQ(summary_of(again.out, "f")[0], 0);
}

TEST_F(Delivery, SigtermFinishesTheBatchRecordsStateAndStops) {
  // Checkpoints every 100 records, so that the sink's durable log grows during the run.
  const auto file = config({{"generate", 4000}}, {{"slow_ms", 50}},
                           {{"batch_size", 100}, {"checkpoint_every", 100}});
  ProcessOptions options;
  const int pid = start_process(junction_binary().string(), base_args(file), options);
  // Stopped once the sink has committed a batch: on that event, not after a guessed time.
  for (int i = 0; i < 2000 && delivered().size() < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GE(delivered().size(), 100U) << "the sink never took a batch";
  ::kill(pid, SIGTERM);
  EXPECT_EQ(wait_process(pid), 1);
  std::size_t first_writes = 0;
  const auto first = delivered(&first_writes);
  EXPECT_GT(first.size(), 0U);
  EXPECT_LT(first.size(), 4000U);
  const auto r = sync(file);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto s = summary_of(r.out, "f");
  EXPECT_EQ(s.at(0), 4000 - static_cast<long long>(first.size())) << "continues after the stop";
  std::size_t writes = 0;
  EXPECT_EQ(delivered(&writes).size(), 4000U);
  EXPECT_EQ(writes, 4000U) << "nothing written twice after a clean stop";
}

class Audit : public Delivery {
 protected:
  fs::path run_small() {
    const auto file = config({{"generate", 30}}, json::object());
    EXPECT_EQ(sync(file).exit_code, 0);
    return file;
  }
  ProcessResult verify(const fs::path &file) {
    return junction({"audit", "verify", "--config", file.string()});
  }
  void tamper(const std::string &sql) {
    const auto r = run_process("/usr/bin/sqlite3", {(dir / "var/state.db").string(), sql});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // A flow "people" from in/m.csv (keyed by id) to CSV files in out/, with `mapping`.
  fs::path people_config(const std::string &mapping) {
    return dir.write("junction.json", R"({
    "connectors": {
      "in": {"plugin": "csv", "config": {"dir": "in", "entities": {"m": {"file": "m.csv", "stable_for": "0s"}}}},
      "out": {"plugin": "csv", "config": {"dir": "out", "entities": {"m": {"file_name": "m-{run}.csv"}}}}
    },
    "flows": [{"name": "people", "from": {"connector": "in", "entity": "m", "key": ["id"]},
               "to": {"connector": "out", "entity": "m"}, "mapping": )" +
                                          mapping + "}]}");
  }
};

TEST_F(Audit, AnUntouchedChainVerifies) {
  const auto file = run_small();
  const auto r = verify(file);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "audit log intact: 30 entries in 1 chain\n");
}

// The 30 entries of one run form one batch, sealed by one hash.
const char *const whole_batch = "audit log broken at batch 1 of chain \"f\" (entries 1 to 30): ";

TEST_F(Audit, AnAlteredEntryIsNamed) {
  const auto file = run_small();
  tamper("UPDATE audit_entry SET target_key = 'x' WHERE seq = 12");
  const auto r = verify(file);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, std::string(whole_batch) +
                       "its content does not match its hash: an entry in it or its shared "
                       "fields were altered, or entries were moved\n");
}

// Every stored field of an entry and of its batch's shared part (who, when, which run: kept
// once for the entries that share them) is covered by the batch's hash: altering any one
// of them, even one that was empty, breaks the chain.
class AuditField : public Audit, public ::testing::WithParamInterface<const char *> {};

TEST_P(AuditField, AlteringItBreaksTheBatch) {
  const auto file = run_small();
  tamper(GetParam());
  const auto r = verify(file);
  EXPECT_EQ(r.exit_code, 1) << GetParam() << "\n" << r.out;
  EXPECT_EQ(r.out.rfind(whole_batch, 0), 0U) << GetParam() << "\n" << r.out;
}

INSTANTIATE_TEST_SUITE_P(
    Audit, AuditField,
    ::testing::Values("UPDATE audit_entry SET source_key = 'x' WHERE seq = 12",
                      "UPDATE audit_entry SET target_key = 'x' WHERE seq = 12",
                      "UPDATE audit_entry SET operation = 'delete' WHERE seq = 12",
                      "UPDATE audit_entry SET changed_fields = 'name' WHERE seq = 12",
                      "UPDATE audit_entry SET hash_before = 42 WHERE seq = 12",
                      "UPDATE audit_entry SET hash_after = 42 WHERE seq = 12",
                      "UPDATE audit_entry SET detail = 'x' WHERE seq = 12",
                      "UPDATE audit_context SET at = '2000-01-01T00:00:00Z'",
                      "UPDATE audit_context SET actor = 'mallory'",
                      "UPDATE audit_context SET action = 'x'",
                      "UPDATE audit_context SET flow = 'g'",
                      "UPDATE audit_context SET run_id = 'x'",
                      "UPDATE audit_context SET source_connector = 'x'",
                      "UPDATE audit_context SET target_connector = 'x'",
                      "UPDATE audit_context SET fields = 'x'"));

TEST_F(Audit, ADeletedEntryIsNamed) {
  const auto file = run_small();
  tamper("DELETE FROM audit_entry WHERE seq = 12");
  const auto r = verify(file);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, std::string(whole_batch) +
                       "it was sealed with 30 entries and holds 29: entries were removed or "
                       "inserted\n");
}

TEST_F(Audit, SwappedEntriesAreNamed) {
  const auto file = run_small();
  tamper(
      "UPDATE audit_entry SET seq = -1 WHERE seq = 12; UPDATE audit_entry SET seq = 12 WHERE "
      "seq = 13; UPDATE audit_entry SET seq = 13 WHERE seq = -1;");
  const auto r = verify(file);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out.rfind(std::string(whole_batch) + "its content does not match its hash", 0), 0U)
      << r.out;
}

TEST_F(Audit, AnInsertedEntryIsNamed) {
  const auto file = run_small();
  tamper(
      "INSERT INTO audit_entry (seq, context_id, operation, target_key) "
      "SELECT 31, context_id, 'delete', target_key FROM audit_entry WHERE seq = 19;");
  const auto r = verify(file);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out,
            "audit log broken at batch 1 of chain \"f\" (entries 1 to 31): it was sealed with "
            "30 entries and holds 31: entries were removed or inserted\n");
}

TEST_F(Audit, AnEntryOfNoBatchIsNamed) {
  const auto file = run_small();
  tamper(
      "INSERT INTO audit_context (context_id, at, actor, action) VALUES (99, 'now', 'x', 'y');"
      "INSERT INTO audit_entry (seq, context_id, operation) VALUES (31, 99, 'delete');");
  const auto r = verify(file);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out,
            "audit log broken at entry 31: entry 31 belongs to no batch of any chain: it was "
            "inserted or its batch removed\n");
}

// Each delivered batch is one link of the flow's chain: removing a whole batch, entries
// and all, breaks the link of the next one.
TEST_F(Audit, ARemovedBatchIsNamed) {
  const auto file = config({{"generate", 30}}, json::object(), {{"batch_size", 10}});
  ASSERT_EQ(sync(file).exit_code, 0);
  EXPECT_EQ(verify(file).out, "audit log intact: 30 entries in 1 chain\n");
  tamper(
      "DELETE FROM audit_entry WHERE context_id = 2; DELETE FROM audit_context WHERE "
      "context_id = 2;");
  const auto r = verify(file);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "audit log broken at batch 3 of chain \"f\": batch 2 of its chain is missing\n");
}

TEST_F(Audit, EditThenRetryFixesARecordAndRecordsWhoDidWhat) {
  dir.write("in/m.csv", "id,email,name\n1,a@example.org,Ann\n2,,Bob\n");
  const auto file = people_config(
      R"({"id": {"from": "id"}, "email": {"from": "email", "required": true}, "name": {"from": "name"}})");
  const std::vector<std::string> plugins = {"--plugin-path", built_plugin_dir().string()};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), plugins.begin(), plugins.end());
    return junction(args);
  };
  EXPECT_EQ(with({"sync", "--config", file.string()}).exit_code, 3);
  // A field the record does not have is refused unless --add says it is meant.
  auto r = junction(
      {"errors", "edit", "1", "--set", "Email=bob@example.org", "--config", file.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("has no field 'Email' (did you mean 'email'?); its fields are: email, id, "
                       "name (use --add to add a field)"),
            std::string::npos)
      << r.err;
  r = junction({"errors", "edit", "1", "--set", "email=bob@example.org", "--actor", "alice",
                "--config", file.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = with({"errors", "retry", "1", "--actor", "bob", "--config", file.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "retried 1: 1 delivered, 0 still failing\n");
  const auto shown = junction({"errors", "show", "1", "--json", "--config", file.string()});
  EXPECT_EQ(json::parse(shown.out)["state"], "resolved");
  // Who resolved it, when and how, in show and export alike.
  EXPECT_EQ(json::parse(shown.out)["resolved_by"], "bob");
  EXPECT_EQ(json::parse(shown.out)["resolution"], "delivered by retry");
  EXPECT_FALSE(json::parse(shown.out)["resolved_at"].get<std::string>().empty());
  const auto text = junction({"errors", "show", "1", "--config", file.string()});
  EXPECT_NE(text.out.find(" by bob: delivered by retry"), std::string::npos) << text.out;
  const auto exported = junction(
      {"errors", "export", "--format", "json", "--state", "all", "--config", file.string()});
  EXPECT_EQ(json::parse(lines_of(exported.out).at(0))["resolved_by"], "bob") << exported.out;
  bool found_row = false;
  for (const auto &entry : fs::directory_iterator(dir / "out")) {
    found_row |= read_file(entry.path()).find("2,bob@example.org,Bob") != std::string::npos;
  }
  EXPECT_TRUE(found_row);
  const auto audit = junction({"audit", "list", "--json", "--config", file.string()});
  std::vector<std::string> actions;
  for (const auto &line : lines_of(audit.out)) {
    const auto e = json::parse(line);
    actions.push_back(e["actor"].get<std::string>() + " " + e["action"].get<std::string>() + " " +
                      e["operation"].get<std::string>() + " " + e["detail"].get<std::string>());
  }
  EXPECT_EQ(actions, (std::vector<std::string>{
                         actions.at(0),  // the first run's write, by the OS user
                         "alice errors.edit  error 1: changed email", "bob errors.retry write ",
                         "bob errors.retry  error 1: delivered"}));
  EXPECT_EQ(junction({"audit", "verify", "--config", file.string()}).exit_code, 0);

  // audit list --key: the entries about one record and no other.
  const auto by_key =
      junction({"audit", "list", "--key", "1", "--json", "--config", file.string()});
  ASSERT_EQ(by_key.exit_code, 0) << by_key.err;
  const auto keyed = lines_of(by_key.out);
  ASSERT_FALSE(keyed.empty());
  ASSERT_LT(keyed.size(), lines_of(audit.out).size());
  for (const auto &line : keyed) {
    const auto e = json::parse(line);
    EXPECT_TRUE(e["source_key"] == "1" || e["target_key"] == "1") << line;
  }
}

// A mapped field marked sensitive never shows its value in the error queue's outputs
// (list, show, export as JSON lines and as CSV); `retry --flow` re-drives the flow's
// queued records, and what is delivered is the real value.
TEST_F(Audit, SensitiveFieldsAreMaskedInEveryErrorQueueOutput) {
  const std::string iban = "DE89370400440532013000";
  dir.write("in/m.csv", "id,email,iban\n1,," + iban + "\n");
  const auto file =
      people_config(R"({"id": {"from": "id"}, "email": {"from": "email", "required": true},
                           "iban": {"from": "iban", "sensitive": true}})");
  const std::vector<std::string> plugins = {"--plugin-path", built_plugin_dir().string()};
  const auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), {"--config", file.string()});
    args.insert(args.end(), plugins.begin(), plugins.end());
    return junction(args);
  };
  ASSERT_EQ(with({"sync"}).exit_code, 3);
  const std::vector<std::vector<std::string>> outputs = {{"errors", "list"},
                                                         {"errors", "list", "--json"},
                                                         {"errors", "show", "1"},
                                                         {"errors", "show", "1", "--json"},
                                                         {"errors", "export", "--format", "json"},
                                                         {"errors", "export", "--format", "csv"}};
  for (const auto &args : outputs) {
    std::vector<std::string> all = args;
    all.insert(all.end(), {"--config", file.string()});
    const auto r = junction(all);
    EXPECT_EQ(r.exit_code, 0) << args[1] << r.err;
    EXPECT_EQ(r.out.find(iban), std::string::npos) << args[1] << " showed the value:\n" << r.out;
    if (args[1] != "list") {
      EXPECT_NE(r.out.find("***"), std::string::npos) << args[1] << " " << args.back() << r.out;
    }
  }
  ASSERT_EQ(
      junction({"errors", "edit", "1", "--set", "email=ada@example.org", "--config", file.string()})
          .exit_code,
      0);
  const auto retried = with({"errors", "retry", "--flow", "people"});
  EXPECT_EQ(retried.exit_code, 0) << retried.err;
  EXPECT_EQ(retried.out, "retried 1: 1 delivered, 0 still failing\n");
  bool delivered = false;
  for (const auto &entry : fs::directory_iterator(dir / "out")) {
    delivered |= read_file(entry.path()).find("1,ada@example.org," + iban) != std::string::npos;
  }
  EXPECT_TRUE(delivered) << "the real value reaches the target";
}

// errors edit --null: the field becomes null, and the audit says so.
TEST_F(Audit, EditCanSetAFieldToNull) {
  dir.write("in/m.csv", "id,email,name\n1,,Ann\n");
  const auto file = people_config(
      R"({"id": {"from": "id"}, "email": {"from": "email", "required": true}, "name": {"from": "name"}})");
  EXPECT_EQ(
      junction({"sync", "--config", file.string(), "--plugin-path", built_plugin_dir().string()})
          .exit_code,
      3);
  const auto r = junction({"errors", "edit", "1", "--set", "email=ann@example.org", "--null",
                           "name", "--config", file.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto shown =
      json::parse(junction({"errors", "show", "1", "--json", "--config", file.string()}).out);
  EXPECT_EQ(shown["record"]["name"], nullptr) << shown.dump();
  EXPECT_EQ(shown["record"]["email"], "ann@example.org") << shown.dump();
  const auto audit = junction({"audit", "list", "--json", "--config", file.string()});
  EXPECT_NE(audit.out.find("changed email, name"), std::string::npos) << audit.out;
}

}  // namespace
}  // namespace junction::testing

namespace junction::testing {
namespace {

// --watch prints each round's summary once, labelled with its number and start time;
// stopping it adds no unlabelled table.
TEST_F(Delivery, WatchLabelsEachRoundAndPrintsItOnce) {
  const auto file = config({{"generate", 5}}, json::object(), {{"schedule", {{"every", "300ms"}}}});
  std::vector<std::string> args = {"--preserve-status", "-s", "TERM", "8",
                                   junction_binary().string()};
  for (const auto &a : base_args(file)) args.push_back(a);
  args.push_back("--watch");
  ProcessOptions options;
  options.unset_env.push_back("JUNCTION_PLUGIN_PATH");
  options.set_env.emplace("JUNCTION_DEFAULT_PLUGIN_PATH", "");
  const auto r = run_process("/usr/bin/timeout", args, options);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  int rounds = 0;
  int tables = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind("FLOW ", 0) == 0) {
      ++tables;
      ASSERT_GT(i, 0U);
      EXPECT_EQ(lines[i - 1].rfind("round " + std::to_string(tables) + ", started 20", 0), 0U)
          << "table " << tables << " is not labelled:\n"
          << r.out;
    }
    if (lines[i].rfind("round ", 0) == 0) ++rounds;
  }
  EXPECT_GE(rounds, 2) << r.out;
  EXPECT_EQ(tables, rounds) << r.out;
  EXPECT_EQ(summary_of(r.out, "f").at(0), 5) << "the first round read the five records";
}

}  // namespace
}  // namespace junction::testing
