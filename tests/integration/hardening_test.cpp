// Silent data loss and leaked secrets, through the real binary: a mapping or filter naming a
// field the source lacks is refused before anything is written; secret values never appear
// in anything Junction prints or stores; bad CSV headers are refused with their place.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"

namespace junction::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

class Hardening : public ::testing::Test {
 protected:
  ProcessResult run(const std::vector<std::string> &args, ProcessOptions options = {}) {
    std::vector<std::string> all = args;
    all.insert(all.end(), {"--config", (dir / "junction.json").string()});
    if (args[0] == "sync" || args[0] == "check") {
      all.insert(all.end(), {"--plugin-path", built_plugin_dir().string(), "--plugin-path",
                             test_plugin_dir().string()});
    }
    return junction(all, options);
  }
  void write_config(const json &connectors, const json &flow) {
    fs::create_directories(dir / "out");
    dir.write(
        "junction.json",
        json{{"store", "sqlite:state.db"}, {"connectors", connectors}, {"flows", {flow}}}.dump());
  }
  // members.csv (Member ID, First Name, Family Name, Opt In) into a memory sink.
  void csv_to_memory(const json &mapping, const json &filter = json::array()) {
    dir.write("in/members.csv",
              "Member ID,First Name,Family Name,Opt In\n1,Ada,Lovelace,yes\n2,Alan,Turing,no\n");
    json flow = {{"name", "members"},
                 {"from", {{"connector", "in"}, {"entity", "members"}, {"key", {"Member ID"}}}},
                 {"to", {{"connector", "crm"}, {"entity", "people"}, {"key", {"id"}}}},
                 {"mapping", mapping}};
    if (!filter.empty()) flow["filter"] = filter;
    write_config(
        {{"in",
          {{"plugin", "csv"},
           {"config",
            {{"dir", "in"},
             {"entities", {{"members", {{"file", "members.csv"}, {"stable_for", "0s"}}}}}}}}},
         {"crm", {{"plugin", "memory"}, {"config", {{"dump_to", "out/people.json"}}}}}},
        flow);
  }
  TempDir dir;
};

TEST_F(Hardening, CheckRefusesAMappedFieldTheCsvHeaderLacks) {
  csv_to_memory({{"id", {{"from", "Member ID"}}}, {"lastname", {{"from", "Family name"}}}});
  const auto check = run({"check"});
  EXPECT_EQ(check.exit_code, 2) << check.out << check.err;
  EXPECT_NE(check.err.find("/flows/0/mapping/lastname/from: in/members has no field 'Family "
                           "name' (did you mean 'Family Name'?); its fields are: Member ID, "
                           "First Name, Family Name, Opt In"),
            std::string::npos)
      << check.err;
  const auto sync = run({"sync", "--progress", "never"});
  EXPECT_EQ(sync.exit_code, 2) << sync.out << sync.err;
  EXPECT_FALSE(fs::exists(dir / "out/people.json"));
}

TEST_F(Hardening, CheckRefusesAFilterOnAFieldTheCsvHeaderLacks) {
  csv_to_memory({{"id", {{"from", "Member ID"}}}},
                json::array({{{"field", "OptIn"}, {"equals", "yes"}}}));
  const auto check = run({"check"});
  EXPECT_EQ(check.exit_code, 2) << check.out << check.err;
  EXPECT_NE(check.err.find("/flows/0/filter/0/field: in/members has no field 'OptIn' (did you "
                           "mean 'Opt In'?)"),
            std::string::npos)
      << check.err;
}

TEST_F(Hardening, AnOptionalFieldTheSourceLacksIsWrittenEmpty) {
  csv_to_memory(
      {{"id", {{"from", "Member ID"}}}, {"nickname", {{"from", "Nickname"}, {"optional", true}}}});
  EXPECT_EQ(run({"check"}).exit_code, 0);
  const auto sync = run({"sync", "--progress", "never"});
  EXPECT_EQ(sync.exit_code, 0) << sync.out << sync.err;
  const auto people = json::parse(read_file(dir / "out/people.json"));
  ASSERT_EQ(people.size(), 2U) << people;
  EXPECT_EQ(people[0]["nickname"], nullptr) << people;
  EXPECT_EQ(people[0]["id"], "1") << people;
}

// The memory connector cannot describe its fields beforehand: the run refuses the flow on
// its first batch, before anything is written.
TEST_F(Hardening, ARunRefusesAFlowWhoseSourceLacksAFilteredField) {
  write_config({{"src",
                 {{"plugin", "memory"},
                  {"config", {{"entities", {{"people", {{{"id", 1}, {"name", "Ada"}}}}}}}}}},
                {"crm", {{"plugin", "memory"}, {"config", {{"dump_to", "out/people.json"}}}}}},
               {{"name", "people"},
                {"from", {{"connector", "src"}, {"entity", "people"}, {"key", {"id"}}}},
                {"to", {{"connector", "crm"}, {"entity", "people"}}},
                {"filter", {{{"field", "Name"}, {"not_equals", "x"}}}}});
  EXPECT_EQ(run({"check"}).exit_code, 0);
  const auto sync = run({"sync", "--progress", "never"});
  EXPECT_EQ(sync.exit_code, 1) << sync.out << sync.err;
  EXPECT_NE(sync.err.find("flow 'people' refused: the source has no field 'Name' (did you mean "
                          "'name'?) (named at /flows/0/filter/0/field). Its fields are: id, "
                          "name."),
            std::string::npos)
      << sync.err;
  EXPECT_FALSE(fs::exists(dir / "out/people.json"));
}

TEST_F(Hardening, ACsvHeaderThatIsNotUtf8IsRefusedWithItsPlace) {
  dir.write("in/members.csv", "Member ID,Na\xffme\n1,Ada\n");
  write_config(
      {{"in",
        {{"plugin", "csv"},
         {"config",
          {{"dir", "in"},
           {"entities", {{"members", {{"file", "members.csv"}, {"stable_for", "0s"}}}}}}}}},
       {"crm", {{"plugin", "memory"}, {"config", {{"dump_to", "out/people.json"}}}}}},
      {{"name", "members"},
       {"from", {{"connector", "in"}, {"entity", "members"}, {"key", {"Member ID"}}}},
       {"to", {{"connector", "crm"}, {"entity", "people"}}}});
  const auto sync = run({"sync", "--progress", "never"});
  EXPECT_NE(sync.exit_code, 0);
  EXPECT_NE(sync.err.find("members.csv:1: invalid UTF-8 in the header's column 2 at byte 3"),
            std::string::npos)
      << sync.err;
  EXPECT_FALSE(fs::exists(dir / "out/people.json"));
}

TEST_F(Hardening, ASecretValueNeverAppearsInOutputLogsOrTheStore) {
  const std::string secret = "Hunter2Zq9Xw";
  ProcessOptions options;
  options.set_env.emplace("JUNCTION_TEST_SECRET_DIR", secret);
  // A secret used as a folder name: the file is missing, the database cannot be opened.
  write_config(
      {{"in",
        {{"plugin", "csv"},
         {"config",
          {{"dir", "${env:JUNCTION_TEST_SECRET_DIR}"},
           {"entities", {{"members", {{"file", "members.csv"}, {"stable_for", "0s"}}}}}}}}},
       {"db",
        {{"plugin", "sql"},
         {"config",
          {{"url", "sqlite:${env:JUNCTION_TEST_SECRET_DIR}/crm.db"},
           {"entities", {{"people", json::object()}}}}}}}},
      {{"name", "members"},
       {"from", {{"connector", "in"}, {"entity", "members"}, {"key", {"id"}}}},
       {"to", {{"connector", "db"}, {"entity", "people"}}}});
  std::string everything;
  for (const auto &args :
       std::vector<std::vector<std::string>>{{"check"}, {"sync", "--progress", "never"}}) {
    const auto r = run(args, options);
    everything += r.out + r.err;
  }
  const auto json_logs = junction(
      {"--log-format", "json", "--log-level", "debug", "sync", "--progress", "never", "--config",
       (dir / "junction.json").string(), "--plugin-path", built_plugin_dir().string()},
      options);
  everything += json_logs.out + json_logs.err;
  // The secret was used: the messages name the place where it stood.
  EXPECT_NE(everything.find("sqlite:***/crm.db"), std::string::npos) << everything;
  for (const auto &args : std::vector<std::vector<std::string>>{
           {"errors", "list", "--json"}, {"audit", "export"}, {"status"}}) {
    const auto r = run(args, options);
    everything += r.out + r.err;
  }
  EXPECT_EQ(everything.find(secret), std::string::npos) << everything;
  for (const char *file : {"state.db", "state.db-wal"}) {
    if (fs::exists(dir / file)) {
      EXPECT_EQ(read_file(dir / file).find(secret), std::string::npos) << file;
    }
  }
}

}  // namespace
}  // namespace junction::testing

namespace junction::testing {
namespace {

// A record a person discarded does not come back with every run that reads it again
// (a snapshot source); it does once the record changes in the source.
TEST_F(Hardening, ADiscardedRecordStaysDiscardedUntilItChanges) {
  dir.write("in/m.csv", "id,email,name\n1,a@x.org,Ann\n2,,Bob\n");
  write_config(
      {{"in",
        {{"plugin", "csv"},
         {"config",
          {{"dir", "in"}, {"entities", {{"m", {{"file", "m.csv"}, {"stable_for", "0s"}}}}}}}}},
       {"out", {{"plugin", "memory"}, {"config", {{"dump_to", "out.json"}}}}}},
      {{"name", "people"},
       {"deletes_from_snapshot", true},
       {"from", {{"connector", "in"}, {"entity", "m"}, {"key", {"id"}}}},
       {"to", {{"connector", "out"}, {"entity", "people"}, {"key", {"id"}}}},
       {"mapping",
        {{"id", {{"from", "id"}}},
         {"email", {{"from", "email"}, {"required", true}}},
         {"name", {{"from", "name"}}}}}});
  const auto first = run({"sync", "--progress", "never"});
  EXPECT_EQ(first.exit_code, 3) << first.out << first.err;
  ASSERT_EQ(run({"errors", "discard", "1", "--reason", "not a member"}).exit_code, 0);

  const auto again = run({"sync", "--progress", "never"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("1 record failed: 0 new in the error queue, 0 already there "
                           "(another attempt), 1 discarded before and left alone\n"),
            std::string::npos)
      << again.out;
  EXPECT_EQ(json::parse(run({"errors", "list", "--json"}).out).size(), 0U);

  dir.write("in/m.csv", "id,email,name\n1,a@x.org,Ann\n2,,Bobby\n");
  const auto changed = run({"sync", "--progress", "never"});
  EXPECT_EQ(changed.exit_code, 3) << changed.out;
  const auto open = json::parse(run({"errors", "list", "--json"}).out);
  ASSERT_EQ(open.size(), 1U);
  EXPECT_NE(open[0]["record"].dump().find("Bobby"), std::string::npos) << open.dump();
}

// `check` finds what it can without connecting (a target entity its connector does not
// define); `check --connect` also opens the store and every endpoint, as a run would, and
// creates nothing.
TEST_F(Hardening, CheckConnectOpensTheStoreAndEveryEndpointAndCreatesNothing) {
  dir.write("in/members.csv", "id,name\n1,Ada\n");
  dir.write("not-a-folder", "a file");
  ASSERT_EQ(
      run_process("/usr/bin/sqlite3", {(dir / "crm.db").string(),
                                       "CREATE TABLE contacts (id TEXT PRIMARY KEY, name TEXT)"})
          .exit_code,
      0);
  const json connectors = {
      {"in",
       {{"plugin", "csv"},
        {"config",
         {{"dir", "in"},
          {"entities",
           {{"members", {{"file", "members.csv"}, {"stable_for", "0s"}}},
            {"gone", {{"file", "gone.csv"}, {"stable_for", "0s"}}}}}}}}},
      {"crm",
       {{"plugin", "sql"},
        {"config",
         {{"url", "sqlite:crm.db"},
          {"entities", {{"contacts", json::object()}, {"people", json::object()}}}}}}}};
  const auto flow = [](const std::string &from, const std::string &to) {
    return json{{"name", from + "-to-" + to},
                {"from", {{"connector", "in"}, {"entity", from}, {"key", {"id"}}}},
                {"to", {{"connector", "crm"}, {"entity", to}, {"key", {"id"}}}}};
  };
  const auto write = [&](const std::string &store, const json &flows) {
    dir.write("junction.json",
              json{{"store", store}, {"connectors", connectors}, {"flows", flows}}.dump());
  };

  // Without connecting: an entity the target connector does not define.
  write("sqlite:state.db", json::array({flow("members", "contacts"), flow("members", "nobody")}));
  auto r = run({"check"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("/flows/1/to: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nobody"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("/flows/0/"), std::string::npos) << r.err;

  // A table that does not exist is found when the connector can read its columns; a
  // store that cannot be made and a source file that is missing only by a test
  // connection, which reports everything at once, each problem once.
  write("sqlite:not-a-folder/state.db",
        json::array({flow("members", "contacts"), flow("gone", "people")}));
  r = run({"check"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("/flows/1/to: connector 'crm' cannot describe people: no table named "
                       "'people'"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("1 problem in"), std::string::npos) << r.err;
  r = run({"check", "--connect"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("/store: cannot create the state store"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("is not a folder"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/flows/1/from: cannot open in/gone to read: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no file "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/flows/1/to: "), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("/flows/0/"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("3 problems"), std::string::npos) << r.err;

  write("sqlite:state/state.db", json::array({flow("members", "contacts")}));
  r = run({"check", "--connect"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("OK (2 connectors, 1 flows, every connection opened)"), std::string::npos)
      << r.out;
  EXPECT_FALSE(fs::exists(dir / "state")) << "a test connection created the store";
  EXPECT_EQ(
      run_process("/usr/bin/sqlite3", {(dir / "crm.db").string(), "SELECT count(*) FROM contacts"})
          .out,
      "0\n");
}

}  // namespace
}  // namespace junction::testing
