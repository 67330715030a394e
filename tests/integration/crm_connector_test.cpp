// The crm connector against the HubSpot-compatible emulator over loopback HTTP, driven
// through the real binary: members reach the CRM with the CRM's own IDs, edits and
// deletes made in the CRM flow back, 25,000 contacts of one second are read exactly once,
// bursts of 429 and 5xx lose and duplicate nothing, a shared account's budget holds, a
// refused token stops the run without ever being printed, and a record the CRM refuses
// goes to the error queue while the rest flows.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>

#include "cli_helpers.hpp"
#include "crm_emulator.hpp"
#include "postgres.hpp"

namespace junction::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const char *const token = "pat-na1-7f3c9e21-test-token-4d2b";

class CrmConnector : public ::testing::Test {
 protected:
  json crm_connector(const CrmEmulator &crm, json extra = json::object()) {
    json config = {{"base_url", crm.base_url()},
                   {"token", "${env:CRM_TOKEN}"},
                   {"max_rate_limit_wait_seconds", 10},
                   {"entities", {{"contacts", json::object()}}}};
    config.update(extra);
    return {{"plugin", "crm"}, {"config", config}};
  }
  json csv_connector() {
    return {{"plugin", "csv"},
            {"config",
             {{"dir", dir.path().string()},
              {"entities",
               {{"people", {{"file", "people.csv"}, {"stable_for", "0s"}}},
                {"more", {{"file", "more.csv"}, {"stable_for", "0s"}}}}}}}};
  }
  json db_connector() {
    return {
        {"plugin", "sql"},
        {"config", {{"url", "sqlite:members.db"}, {"entities", {{"members", json::object()}}}}}};
  }
  static json people_to_crm(const std::string &name, const std::string &entity) {
    return {{"name", name},
            {"from", {{"connector", "files"}, {"entity", entity}, {"key", {"id"}}}},
            {"to", {{"connector", "crm"}, {"entity", "contacts"}, {"key", {"email"}}}},
            {"retry", {{"max_attempts", 8}, {"initial_delay", "50ms"}, {"max_delay", "200ms"}}},
            {"mapping",
             {{"email", {{"from", "email"}}},
              {"firstname", {{"from", "name"}}},
              {"city", {{"from", "city"}}}}}};
  }
  static json crm_to_db() {
    return {{"name", "crm-to-db"},
            {"from", {{"connector", "crm"}, {"entity", "contacts"}, {"key", {"id"}}}},
            {"to", {{"connector", "db"}, {"entity", "members"}, {"key", {"crm_id"}}}},
            {"retry", {{"max_attempts", 8}, {"initial_delay", "50ms"}, {"max_delay", "200ms"}}},
            {"mapping",
             {{"crm_id", {{"from", "id"}}},
              {"email", {{"from", "email"}}},
              {"first_name", {{"from", "firstname"}}},
              {"city", {{"from", "city"}}}}}};
  }

  // people.csv into the CRM (flow "people") and the CRM into members.db ("crm-to-db").
  json round_trip(const CrmEmulator &crm) {
    return {{"store", "sqlite:state.db"},
            {"connectors",
             {{"files", csv_connector()}, {"crm", crm_connector(crm)}, {"db", db_connector()}}},
            {"flows", {people_to_crm("people", "people"), crm_to_db()}}};
  }

  void write_people(const std::string &file, int from, int count,
                    const std::string &bad_email_row = {}) {
    std::ofstream out(dir / file);
    out << "id,email,name,city\n";
    for (int i = from; i < from + count; ++i) {
      const std::string email = std::to_string(i) == bad_email_row
                                    ? "has space" + std::to_string(i) + "@example.org"
                                    : "person" + std::to_string(i) + "@example.org";
      out << i << "," << email << ",Name" << i << ",Town" << i % 7 << "\n";
    }
  }
  // A sync of CRM contacts (read by changes, keyed by the CRM's IDs) with the members
  // table of members.db (email, full_name, town), matched by email.
  json crm_members_sync(const CrmEmulator &crm) {
    return {{"store", "sqlite:state.db"},
            {"connectors", {{"crm", crm_connector(crm)}, {"db", db_connector()}}},
            {"syncs",
             {{{"name", "people"},
               {"match", {{{{"field", "email"}, {"normalize", {"email"}}}}}},
               {"systems",
                {{{"name", "crm"},
                  {"connector", "crm"},
                  {"entity", "contacts"},
                  {"key", {"id"}},
                  {"read", "changes"},
                  {"assigns_key", true},
                  {"fields", {{"email", "email"}, {"name", "firstname"}, {"city", "city"}}}},
                 {{"name", "members"},
                  {"connector", "db"},
                  {"entity", "members"},
                  {"key", {"email"}},
                  {"fields", {{"email", "email"}, {"name", "full_name"}, {"city", "town"}}}}}}}}}};
  }
  static std::pair<int, json> create_contact(CrmEmulator &crm, const std::string &email,
                                             const std::string &name, const std::string &city) {
    return crm.call("POST", "/crm/v3/objects/contacts",
                    {{"properties", {{"email", email}, {"firstname", name}, {"city", city}}}});
  }
  // Flows "people" and "more", 120 contacts each in batches of 10, into one CRM account
  // whose budget is 6 requests a second.
  json two_flows_sharing_an_account(const CrmEmulator &crm, const std::string &store) {
    write_people("people.csv", 1, 120);
    write_people("more.csv", 1001, 120);
    json budget = {{"budget", {{"requests", 6}, {"window_ms", 1000}}}};
    json a = people_to_crm("people", "people");
    json b = people_to_crm("more", "more");
    a["batch_size"] = b["batch_size"] = 10;
    return {{"store", store},
            {"connectors", {{"files", csv_connector()}, {"crm", crm_connector(crm, budget)}}},
            {"flows", {a, b}}};
  }
  // Every contact arrived, and the emulator never counted more than the budget in a window.
  void expect_within_the_shared_budget(CrmEmulator &crm) {
    const auto stats = crm.stats();
    EXPECT_EQ(stats.value("admitted", 0), 24) << stats.dump();
    EXPECT_EQ(stats.value("throttled", -1), 0) << stats.dump();
    EXPECT_LE(stats.value("max_in_window", 99), 6) << stats.dump();
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // the listing needs room
    EXPECT_EQ(crm.all("contacts", "email").size(), 240u);
  }
  // Runs SQL on members.db; false (with a test failure) when sqlite3 refuses it.
  bool members_sql(const std::string &sql) {
    const auto r = run_process("/usr/bin/sqlite3", {(dir / "members.db").string(), sql});
    EXPECT_EQ(r.exit_code, 0) << sql << ": " << r.err;
    return r.exit_code == 0;
  }
  void make_members_table() {
    const auto r = run_process("/usr/bin/sqlite3",
                               {(dir / "members.db").string(),
                                "CREATE TABLE members (crm_id TEXT PRIMARY KEY, email TEXT, "
                                "first_name TEXT, city TEXT)"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::string rows(const std::string &query) {
    return run_process("/usr/bin/sqlite3", {(dir / "members.db").string(), query}).out;
  }

  ProcessResult run(const json &document, const std::vector<std::string> &args,
                    const std::string &token_value = token) {
    return junction_with_config(dir, document.dump(2), args, {{"CRM_TOKEN", token_value}});
  }

  TempDir dir;
};

TEST_F(CrmConnector, MembersReachTheCrmWithItsIdsAndCrmEditsFlowBack) {
  CrmEmulator crm(dir.path(), token);
  fs::copy_file(source_dir() / "config/sample-data/membership/members.csv", dir / "members.csv");
  for (const char *p : {"membership_level", "external_id"}) crm.create_property("contacts", p);
  make_members_table();
  json document = {
      {"store", "sqlite:state.db"},
      {"connectors",
       {{"membership",
         {{"plugin", "csv"},
          {"config",
           {{"dir", dir.path().string()},
            {"entities", {{"members", {{"file", "members.csv"}, {"stable_for", "0s"}}}}}}}}},
        {"crm", crm_connector(crm)},
        {"db", db_connector()}}},
      {"flows",
       {{{"name", "members-to-crm"},
         {"from", {{"connector", "membership"}, {"entity", "members"}, {"key", {"Member ID"}}}},
         {"to", {{"connector", "crm"}, {"entity", "contacts"}, {"key", {"email"}}}},
         {"mapping",
          {{"email", {{"from", "Email"}, {"transform", {"normalize_email"}}, {"required", true}}},
           {"firstname", {{"from", "First Name"}, {"transform", {"trim"}}, {"max_length", 100}}},
           {"lastname", {{"from", "Last Name"}, {"transform", {"trim"}}}},
           {"city", {{"from", "City"}}},
           {"membership_level", {{"from", "Level"}}},
           {"external_id", {{"from", "Member ID"}}}}}},
        crm_to_db()}}};
  auto first = run(document, {"sync", "--flow", "members-to-crm"});
  ASSERT_EQ(first.exit_code, 3) << first.out << first.err;  // the sample's bad rows are queued
  const auto counts = summary_of(first.out, "members-to-crm");
  ASSERT_EQ(counts.size(), 7u) << first.out;
  const auto contacts = crm.all("contacts", "email,firstname,external_id");
  EXPECT_EQ(static_cast<long long>(contacts.size()), counts[1]) << "created = objects in the CRM";
  EXPECT_GT(counts[1], 300);
  EXPECT_EQ(crm.stats()["by_kind"].value("create", 0), 0) << "keyed by email: upserts only";

  // An edit in the membership system reaches the CRM by the ID the CRM assigned.
  crm.reset_stats();
  {
    std::ifstream in(dir / "members.csv");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto at = text.find("Siân,Núñez");
    ASSERT_NE(at, std::string::npos);
    text.replace(at, 4, "Sian");
    std::ofstream(dir / "members.csv") << text;
  }
  auto edit = run(document, {"sync", "--flow", "members-to-crm"});
  EXPECT_EQ(summary_of(edit.out, "members-to-crm")[2], 1) << edit.out;
  EXPECT_EQ(crm.stats()["by_kind"].value("update", 0), 1) << crm.stats().dump();
  EXPECT_EQ(crm.stats()["by_kind"].value("upsert", 0), 0) << crm.stats().dump();

  // The CRM's contacts reach the membership database with their CRM IDs.
  auto back = run(document, {"sync", "--flow", "crm-to-db"});
  ASSERT_EQ(back.exit_code, 0) << back.out << back.err;
  EXPECT_EQ(rows("SELECT count(*) FROM members"), std::to_string(contacts.size()) + "\n");
  const std::string id = contacts[4]["id"].get<std::string>();
  const std::string gone = contacts[5]["id"].get<std::string>();
  EXPECT_EQ(rows("SELECT email FROM members WHERE crm_id = '" + id + "'"),
            contacts[4]["properties"]["email"].get<std::string>() + "\n");

  // Edited and archived in the CRM: the next incremental read brings exactly those two.
  EXPECT_EQ(
      crm.call("PATCH", "/crm/v3/objects/contacts/" + id, {{"properties", {{"city", "Oxford"}}}})
          .first,
      200);
  EXPECT_EQ(crm.call("DELETE", "/crm/v3/objects/contacts/" + gone).first, 204);
  auto changes = run(document, {"sync", "--flow", "crm-to-db"});
  ASSERT_EQ(changes.exit_code, 0) << changes.out << changes.err;
  const auto c = summary_of(changes.out, "crm-to-db");
  EXPECT_EQ(c[0], 2) << changes.out;  // read
  EXPECT_EQ(c[4], 1) << changes.out;  // deleted
  EXPECT_EQ(rows("SELECT city FROM members WHERE crm_id = '" + id + "'"), "Oxford\n");
  EXPECT_EQ(rows("SELECT count(*) FROM members WHERE crm_id = '" + gone + "'"), "0\n");

  // Nothing changed anywhere: no write request at all.
  crm.reset_stats();
  auto quiet = run(document, {"sync"});
  const auto kinds = crm.stats()["by_kind"];
  for (const char *k : {"create", "update", "upsert", "archive", "write"}) {
    EXPECT_EQ(kinds.value(k, 0), 0) << k << ": " << kinds.dump();
  }
}

TEST_F(CrmConnector, TwentyFiveThousandContactsOfOneSecondAreReadExactlyOnce) {
  CrmEmulator crm(dir.path(), token, {"--window-max", "100000"});
  crm.freeze_clock(1764547200123);  // every write shares this modification time
  write_people("people.csv", 1, 25000);
  make_members_table();
  const json document = round_trip(crm);
  auto load = run(document, {"sync", "--flow", "people"});
  ASSERT_EQ(load.exit_code, 0) << load.out << load.err;
  EXPECT_EQ(summary_of(load.out, "people")[1], 25000);
  crm.reset_stats();
  auto read = run(document, {"sync", "--flow", "crm-to-db"});
  ASSERT_EQ(read.exit_code, 0) << read.out << read.err;
  const auto counts = summary_of(read.out, "crm-to-db");
  EXPECT_EQ(counts[0], 25000) << read.out;  // read: a repeat would be counted (and refused)
  EXPECT_EQ(counts[5], 0) << read.out;      // failed
  EXPECT_EQ(rows("SELECT count(DISTINCT crm_id) FROM members"), "25000\n");
  // 125 pages of 200, one query to find the crowded millisecond, one to see the end.
  EXPECT_LE(crm.stats()["by_kind"].value("search", 0), 130) << crm.stats().dump();
  auto again = run(document, {"sync", "--flow", "crm-to-db"});
  EXPECT_EQ(summary_of(again.out, "crm-to-db")[0], 0) << again.out;
}

TEST_F(CrmConnector, BurstsOf429And5xxLoseAndDuplicateNothing) {
  CrmEmulator crm(dir.path(), token);
  write_people("people.csv", 1, 450);
  make_members_table();
  const json document = round_trip(crm);
  crm.fault({{"status", 429}, {"count", 2}, {"path_part", "/batch/"}, {"retry_after_s", 1}});
  crm.fault({{"status", 503}, {"count", 3}, {"path_part", "/batch/"}});
  crm.fault({{"status", 502}, {"count", 1}, {"path_part", "/batch/"}, {"delay_ms", 300}});
  auto write = run(document, {"sync", "--flow", "people"});
  ASSERT_EQ(write.exit_code, 0) << write.out << write.err;
  EXPECT_EQ(crm.stats().value("faulted", 0), 6);
  const auto contacts = crm.all("contacts", "email");
  std::set<std::string> emails;
  for (const auto &c : contacts) emails.insert(c["properties"]["email"].get<std::string>());
  EXPECT_EQ(contacts.size(), 450u);
  EXPECT_EQ(emails.size(), 450u);

  crm.fault({{"status", 503}, {"count", 2}, {"path_part", "/search"}});
  crm.fault({{"status", 429}, {"count", 1}, {"path_part", "/search"}, {"retry_after_s", 1}});
  crm.fault({{"status", 500}, {"count", 1}, {"path_part", "/contacts"}});
  auto read = run(document, {"sync", "--flow", "crm-to-db"});
  ASSERT_EQ(read.exit_code, 0) << read.out << read.err;
  EXPECT_EQ(summary_of(read.out, "crm-to-db")[0], 450) << read.out;
  EXPECT_EQ(rows("SELECT count(DISTINCT email) FROM members"), "450\n");
}

TEST_F(CrmConnector, TwoFlowsSharingAnAccountStayWithinItsBudget) {
  CrmEmulator crm(dir.path(), token, {"--window-ms", "1000", "--window-max", "6"});
  auto r = run(two_flows_sharing_an_account(crm, "sqlite:state.db"), {"sync"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  expect_within_the_shared_budget(crm);
}

// Two processes (two runs started apart, or two nodes) on one PostgreSQL store spend one
// account: the window is kept in the store, so together they never exceed the budget.
TEST_F(CrmConnector, TwoProcessesSharingAnAccountStayWithinItsBudgetTogether) {
  JUNCTION_REQUIRE_POSTGRES_SERVER(server_url);
  OwnDatabase db(server_url, "junction_quota");
  CrmEmulator crm(dir.path(), token, {"--window-ms", "1000", "--window-max", "6"});
  const auto config = dir.write(
      "junction.json", two_flows_sharing_an_account(crm, "${env:JUNCTION_TEST_STORE_URL}").dump(2));
  ProcessOptions options;
  options.set_env["CRM_TOKEN"] = token;
  options.set_env["JUNCTION_TEST_STORE_URL"] = db.url();
  options.unset_env.push_back("JUNCTION_PLUGIN_PATH");
  options.set_env["JUNCTION_DEFAULT_PLUGIN_PATH"] = "";
  std::vector<int> pids;
  for (const char *flow : {"people", "more"}) {
    pids.push_back(start_process(junction_binary().string(),
                                 {"sync", "--flow", flow, "--config", config.string(),
                                  "--plugin-path", built_plugin_dir().string()},
                                 options));
  }
  for (const int pid : pids) EXPECT_EQ(wait_process(pid), 0);
  expect_within_the_shared_budget(crm);
}

TEST_F(CrmConnector, ARefusedTokenStopsTheRunAndNoTokenIsEverPrinted) {
  CrmEmulator crm(dir.path(), token);
  write_people("people.csv", 1, 5);
  json document = {{"store", "sqlite:state.db"},
                   {"connectors", {{"files", csv_connector()}, {"crm", crm_connector(crm)}}},
                   {"flows", {people_to_crm("people", "people")}}};
  const std::string wrong = "pat-na1-wrong-0000-secret-9999";
  auto refused = run(document, {"--log-level", "trace", "sync"}, wrong);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("refused the token"), std::string::npos) << refused.err;
  EXPECT_EQ(crm.stats().value("refused_auth", 0), 1) << "a refused token is not retried";
  for (const auto &text : {refused.out, refused.err}) {
    EXPECT_EQ(text.find(wrong), std::string::npos) << text;
  }
  auto fine = run(document, {"--log-level", "trace", "sync"});
  ASSERT_EQ(fine.exit_code, 0) << fine.out << fine.err;
  for (const auto &text : {fine.out, fine.err}) {
    EXPECT_EQ(text.find(token), std::string::npos) << text;
  }
}

TEST_F(CrmConnector, ARecordTheCrmRefusesIsQueuedWhileTheRestOfItsBatchFlows) {
  CrmEmulator crm(dir.path(), token);
  write_people("people.csv", 1, 40, "17");
  json document = {{"store", "sqlite:state.db"},
                   {"connectors", {{"files", csv_connector()}, {"crm", crm_connector(crm)}}},
                   {"flows", {people_to_crm("people", "people")}}};
  auto r = run(document, {"sync"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  const auto counts = summary_of(r.out, "people");
  EXPECT_EQ(counts[1], 39) << r.out;
  EXPECT_EQ(counts[5], 1) << r.out;
  auto errors = run(document, {"errors", "list"});
  EXPECT_NE(errors.out.find("INVALID_EMAIL"), std::string::npos) << errors.out;
  EXPECT_EQ(crm.all("contacts", "email").size(), 39u);
}

// A 429 whose Retry-After is longer than the connector may wait itself is handed to the
// host, which waits what the CRM asked, not its own (here 20 ms) backoff.
TEST_F(CrmConnector, TheHostWaitsWhatTheCrmAskedWhenTheConnectorHandsARateLimitOver) {
  CrmEmulator crm(dir.path(), token);
  write_people("people.csv", 1, 3);
  make_members_table();
  json document = round_trip(crm);
  document["connectors"]["crm"]["config"]["max_rate_limit_wait_seconds"] = 0;
  document["flows"][1]["retry"] = {
      {"max_attempts", 3}, {"initial_delay", "10ms"}, {"max_delay", "20ms"}};
  ASSERT_EQ(run(document, {"sync", "--flow", "people"}).exit_code, 0);
  crm.fault({{"status", 429}, {"count", 1}, {"path_part", "/search"}, {"retry_after_s", 2}});
  auto r = run(document, {"sync", "--flow", "crm-to-db"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto at = r.err.find("retrying in ");
  ASSERT_NE(at, std::string::npos) << r.err;
  EXPECT_GE(std::stol(r.err.substr(at + 12)), 2000) << r.err;
  EXPECT_EQ(rows("SELECT count(*) FROM members"), "3\n");
}

// SIGTERM reaches a connector waiting out a long rate limit: the run stops at once, not
// when the wait is over.
TEST_F(CrmConnector, StoppingDoesNotWaitForTheCrmsRateLimit) {
  CrmEmulator crm(dir.path(), token);
  write_people("people.csv", 1, 3);
  json document = round_trip(crm);
  document["connectors"]["crm"]["config"]["max_rate_limit_wait_seconds"] = 120;
  crm.fault({{"status", 429}, {"count", 1}, {"path_part", "/batch/"}, {"retry_after_s", 60}});
  const auto config = dir.write("junction.json", document.dump(2));
  ProcessOptions options;
  options.set_env.emplace("CRM_TOKEN", token);
  const int pid = start_process(junction_binary().string(),
                                {"sync", "--flow", "people", "--config", config.string(),
                                 "--plugin-path", built_plugin_dir().string()},
                                options);
  for (int i = 0; i < 400 && crm.stats().value("faulted", 0) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_EQ(crm.stats().value("faulted", 0), 1) << "the write never met the rate limit";
  const auto asked = std::chrono::steady_clock::now();
  kill(pid, SIGTERM);
  // Bounded by the test's own watchdog: a run that waited the 60 s would be killed here.
  int code = -1;
  for (int i = 0; i < 600; ++i) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (code == -1) {
    kill(pid, SIGKILL);
    wait_process(pid);
    FAIL() << "the run did not stop within 30 s of SIGTERM";
  }
  EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::seconds(30));
  EXPECT_EQ(crm.all("contacts", "email").size(), 0u);
}

// The host's governor keeps the account's daily budget: when it is spent, the run stops
// at a checkpoint instead of failing every record; `status` shows the day's use; the next
// run, once there is budget again, delivers the rest, nothing lost, nothing twice.
TEST_F(CrmConnector, ASpentDailyBudgetStopsTheRunAndTheNextRunResumes) {
  CrmEmulator crm(dir.path(), token);
  write_people("people.csv", 1, 450);
  json document = {
      {"store", "sqlite:state.db"},
      {"accounts", {{"portal-1", {{"requests_per_day", 3}}}}},
      {"connectors",
       {{"files", csv_connector()}, {"crm", crm_connector(crm, {{"account", "portal-1"}})}}},
      {"flows", {people_to_crm("people", "people")}}};
  document["flows"][0]["batch_size"] = 100;
  auto paused = run(document, {"sync"});
  EXPECT_NE(paused.exit_code, 0) << paused.out << paused.err;
  EXPECT_NE(paused.err.find("API account 'portal-1': today's budget is spent"), std::string::npos)
      << paused.err;
  EXPECT_EQ(crm.stats().value("admitted", 0), 3) << "not one request over the day's budget";
  auto status = run(document, {"status"});
  EXPECT_NE(status.out.find("portal-1: 3 requests, 0 of 3 left"), std::string::npos) << status.out;

  document["accounts"]["portal-1"]["requests_per_day"] = 100;  // the admin raises it
  auto resumed = run(document, {"sync"});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  const auto contacts = crm.all("contacts", "email");
  std::set<std::string> emails;
  for (const auto &c : contacts) emails.insert(c["properties"]["email"].get<std::string>());
  EXPECT_EQ(contacts.size(), 450u);
  EXPECT_EQ(emails.size(), 450u);
}

// A membership database and the CRM both change: a sync keyed by the CRM's own IDs,
// reading the CRM's changes, links the contact both hold by email, creates the others on
// each side (the CRM assigns the ID), merges edits to different fields made on both sides,
// and then settles: no write request reaches the CRM on a cycle without edits.
TEST_F(CrmConnector, ASyncWithTheCrmMergesEditsFromBothSidesAndSettles) {
  CrmEmulator crm(dir.path(), token);
  ASSERT_EQ(create_contact(crm, "ann@x.org", "Ann", "Leeds").first, 201);
  ASSERT_TRUE(
      members_sql("CREATE TABLE members (email TEXT PRIMARY KEY, full_name TEXT, town TEXT);"
                  "INSERT INTO members VALUES ('Ann@X.org', 'Ann', 'Leeds'), "
                  "('carl@x.org', 'Carl', 'Bath');"));
  const json document = crm_members_sync(crm);
  auto first = run(document, {"sync", "--progress", "never"});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  auto contacts = crm.all("contacts", "email,firstname,city");
  ASSERT_EQ(contacts.size(), 2u);
  EXPECT_EQ(rows("SELECT lower(email), full_name, town FROM members ORDER BY 1"),
            "ann@x.org|Ann|Leeds\ncarl@x.org|Carl|Bath\n");
  std::string ann;
  for (const auto &c : contacts) {
    if (c["properties"]["email"] == "ann@x.org") ann = c["id"].get<std::string>();
  }
  ASSERT_FALSE(ann.empty());

  // Both sides edit Ann, different fields.
  ASSERT_EQ(
      crm.call("PATCH", "/crm/v3/objects/contacts/" + ann, {{"properties", {{"city", "York"}}}})
          .first,
      200);
  ASSERT_TRUE(
      members_sql("UPDATE members SET full_name = 'Annie' WHERE "
                  "email = 'Ann@X.org'"));
  auto merge = run(document, {"sync", "--progress", "never"});
  ASSERT_EQ(merge.exit_code, 0) << merge.out << merge.err;
  EXPECT_EQ(rows("SELECT full_name, town FROM members WHERE email = 'Ann@X.org'"), "Annie|York\n");
  const auto [status, body] =
      crm.call("GET", "/crm/v3/objects/contacts/" + ann + "?properties=firstname,city");
  EXPECT_EQ(body["properties"]["firstname"], "Annie") << body.dump();
  EXPECT_EQ(body["properties"]["city"], "York") << body.dump();

  // The CRM's own echo of that write (a new modification time) changes nothing.
  crm.reset_stats();
  auto quiet = run(document, {"sync", "--progress", "never"});
  ASSERT_EQ(quiet.exit_code, 0) << quiet.out << quiet.err;
  const auto kinds = crm.stats()["by_kind"];
  for (const char *k : {"create", "update", "upsert", "archive", "write"}) {
    EXPECT_EQ(kinds.value(k, 0), 0) << k << ": " << kinds.dump();
  }
}

// A CRM contact whose modification time lies before the change cursor (index lag, a
// clock behind, an import with old timestamps) is not in the change read. A new member
// with her address must find her by lookup, not create a duplicate.
TEST_F(CrmConnector, ASyncLooksUpACrmContactItsChangeReadMissedInsteadOfDuplicatingIt) {
  CrmEmulator crm(dir.path(), token);
  ASSERT_EQ(create_contact(crm, "ann@x.org", "Ann", "Leeds").first, 201);
  ASSERT_TRUE(
      members_sql("CREATE TABLE members (email TEXT PRIMARY KEY, full_name TEXT, town TEXT);"
                  "INSERT INTO members VALUES ('ann@x.org', 'Ann', 'Leeds');"));
  const json document = crm_members_sync(crm);
  auto first = run(document, {"sync", "--progress", "never"});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;

  // Erin enters the CRM stamped an hour in the past; the members table gets her too,
  // her address written differently.
  crm.freeze_clock(std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count() -
                   3600 * 1000);
  const auto [created, erin] = create_contact(crm, "erin@x.org", "Erin", "York");
  ASSERT_EQ(created, 201);
  crm.thaw_clock();
  ASSERT_TRUE(
      members_sql("INSERT INTO members VALUES (' Erin@X.org', 'Erin', "
                  "'York');"));
  crm.reset_stats();
  auto second = run(document, {"sync", "--progress", "never"});
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_NE(second.err.find("looked up 1 new records of other systems by match rule 1; found 1"),
            std::string::npos)
      << second.err;
  EXPECT_EQ(crm.all("contacts", "email").size(), 2u);
  const auto kinds = crm.stats()["by_kind"];
  for (const char *k : {"create", "update", "upsert", "archive"}) {
    EXPECT_EQ(kinds.value(k, 0), 0) << k << ": " << kinds.dump();
  }
  // The change read's searches (its page and the check that no more follow) and one lookup.
  EXPECT_LE(kinds.value("search", 0), 3) << kinds.dump();

  // Linked: an edit of Erin in the members table reaches her CRM record.
  ASSERT_TRUE(
      members_sql("UPDATE members SET town = 'Hull' WHERE "
                  "full_name = 'Erin'"));
  auto third = run(document, {"sync", "--progress", "never"});
  ASSERT_EQ(third.exit_code, 0) << third.out << third.err;
  const auto [status, body] = crm.call(
      "GET", "/crm/v3/objects/contacts/" + erin["id"].get<std::string>() + "?properties=city");
  EXPECT_EQ(body["properties"]["city"], "Hull") << body.dump();
  EXPECT_EQ(crm.all("contacts", "email").size(), 2u);
}

}  // namespace
}  // namespace junction::testing
