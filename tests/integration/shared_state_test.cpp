// State that several flows share: each system's records are members whatever flow touched
// them, each flow keeps its own snapshot, and run counts follow what the target says.
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"

namespace junction::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

class SharedState : public ::testing::Test {
 protected:
  ProcessResult sync() {
    return junction({"sync", "--progress", "never", "--config", (dir / "junction.json").string(),
                     "--plugin-path", built_plugin_dir().string(), "--plugin-path",
                     test_plugin_dir().string()});
  }
  ProcessResult audit() {
    return junction({"audit", "list", "--json", "--config", (dir / "junction.json").string()});
  }
  json dump(const std::string &name) { return json::parse(read_file(dir / name)); }
  TempDir dir;
};

json memory_target(const std::string &dump_to) {
  return {{"plugin", "memory"}, {"config", {{"dump_to", dump_to}}}};
}

// One snapshot source, two flows: one target keyed by id, the other by email. A row that
// leaves the source is deleted from both, each under its own key.
TEST_F(SharedState, ASnapshotDeleteReachesEveryFlowUnderItsOwnKey) {
  dir.write("in/people.csv", "id,email\n1,a@x.org\n2,b@x.org\n3,c@x.org\n");
  const json csv = {{"plugin", "csv"},
                    {"config",
                     {{"dir", "in"},
                      {"entities", {{"people", {{"file", "people.csv"}, {"stable_for", "0s"}}}}}}}};
  const json from = {{"connector", "src"}, {"entity", "people"}, {"key", {"id"}}};
  dir.write(
      "junction.json",
      json{{"store", "sqlite:state.db"},
           {"connectors",
            {{"src", csv}, {"t1", memory_target("t1.json")}, {"t2", memory_target("t2.json")}}},
           {"flows",
            {{{"name", "by-id"},
              {"from", from},
              {"to", {{"connector", "t1"}, {"entity", "people"}, {"key", {"id"}}}},
              {"deletes_from_snapshot", true}},
             {{"name", "by-email"},
              {"from", from},
              {"to", {{"connector", "t2"}, {"entity", "people"}, {"key", {"email"}}}},
              {"deletes_from_snapshot", true}}}}}
          .dump());
  ASSERT_EQ(sync().exit_code, 0);
  ASSERT_EQ(dump("t1.json").size(), 3U);
  ASSERT_EQ(dump("t2.json").size(), 3U);

  dir.write("in/people.csv", "id,email\n1,a@x.org\n3,c@x.org\n");
  const auto r = sync();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(summary_of(r.out, "by-id"), (std::vector<long long>{2, 0, 0, 2, 1, 0, 0}));
  EXPECT_EQ(summary_of(r.out, "by-email"), (std::vector<long long>{2, 0, 0, 2, 1, 0, 0}));
  for (const char *target : {"t1.json", "t2.json"}) {
    const auto held = dump(target);
    ASSERT_EQ(held.size(), 2U) << target << held;
    for (const auto &record : held) EXPECT_NE(record["email"], "b@x.org") << target;
  }
  std::vector<std::string> deletes;
  for (const auto &line : lines_of(audit().out)) {
    const auto e = json::parse(line);
    if (e["operation"] == "delete") {
      deletes.push_back(e["target"].get<std::string>() + ":" + e["target_key"].get<std::string>() +
                        " from " + e["source_key"].get<std::string>());
    }
  }
  std::sort(deletes.begin(), deletes.end());
  EXPECT_EQ(deletes, (std::vector<std::string>{"t1:2 from 2", "t2:b@x.org from 2"}));
}

// Two flows write different fields of one target record: once both have run, neither sees
// a change, and nothing is written or audited again.
TEST_F(SharedState, TwoFlowsWritingDifferentFieldsOfOneRecordSettle) {
  ASSERT_EQ(run_process("/usr/bin/sqlite3",
                        {(dir / "crm.db").string(),
                         "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, phone TEXT)"})
                .exit_code,
            0);
  dir.write("in/names.csv", "id,name\n1,Ada\n2,Grace\n");
  dir.write("in/phones.csv", "id,phone\n1,+441000\n2,+442000\n");
  json entities = {{"names", {{"file", "names.csv"}, {"stable_for", "0s"}}},
                   {"phones", {{"file", "phones.csv"}, {"stable_for", "0s"}}}};
  auto flow = [](const std::string &name, const std::string &entity, const std::string &field) {
    return json{
        {"name", name},
        {"from", {{"connector", "src"}, {"entity", entity}, {"key", {"id"}}}},
        {"to", {{"connector", "crm"}, {"entity", "people"}}},
        {"mapping", {{"id", {{"from", "id"}, {"type", "integer"}}}, {field, {{"from", field}}}}}};
  };
  dir.write(
      "junction.json",
      json{{"store", "sqlite:state.db"},
           {"connectors",
            {{"src", {{"plugin", "csv"}, {"config", {{"dir", "in"}, {"entities", entities}}}}},
             {"crm",
              {{"plugin", "sql"},
               {"config",
                {{"url", "sqlite:crm.db"}, {"entities", {{"people", json::object()}}}}}}}}},
           {"flows", {flow("names", "names", "name"), flow("phones", "phones", "phone")}}}
          .dump());
  ASSERT_EQ(sync().exit_code, 0);
  const auto entries_after_first = lines_of(audit().out).size();
  EXPECT_EQ(entries_after_first, 4U);
  for (int run = 0; run < 2; ++run) {
    const auto r = sync();
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(summary_of(r.out, "names"), (std::vector<long long>{2, 0, 0, 2, 0, 0, 0})) << r.out;
    EXPECT_EQ(summary_of(r.out, "phones"), (std::vector<long long>{2, 0, 0, 2, 0, 0, 0})) << r.out;
  }
  EXPECT_EQ(lines_of(audit().out).size(), entries_after_first);
  EXPECT_EQ(
      run_process("/usr/bin/sqlite3", {(dir / "crm.db").string(), "SELECT * FROM people"}).out,
      "1|Ada|+441000\n2|Grace|+442000\n");
  // A change to one field is one update of that field, by the flow that owns it.
  dir.write("in/phones.csv", "id,phone\n1,+441000\n2,+449999\n");
  const auto r = sync();
  EXPECT_EQ(summary_of(r.out, "names"), (std::vector<long long>{2, 0, 0, 2, 0, 0, 0})) << r.out;
  EXPECT_EQ(written_of(r.out, "phones"), 1) << r.out;
  const auto last = json::parse(lines_of(audit().out).back());
  EXPECT_EQ(last["changed_fields"], "phone");
  EXPECT_EQ(last["flow"], "phones");
}

// A first sync into a target that already holds some of the records counts what the
// target did, not what the host believed.
TEST_F(SharedState, AFirstSyncIntoATargetThatHoldsSomeRecordsCountsCreatedAndUpdated) {
  dir.write("crm.json", R"([{"id": "2", "name": "old"}, {"id": "4", "name": "old"}])");
  dir.write("in/p.csv", "id,name\n1,a\n2,b\n3,c\n4,d\n5,e\n");
  dir.write(
      "junction.json",
      json{
          {"store", "sqlite:state.db"},
          {"connectors",
           {{"src",
             {{"plugin", "csv"},
              {"config",
               {{"dir", "in"}, {"entities", {{"p", {{"file", "p.csv"}, {"stable_for", "0s"}}}}}}}}},
            {"crm", memory_target("crm.json")}}},
          {"flows",
           {{{"name", "p"},
             {"from", {{"connector", "src"}, {"entity", "p"}, {"key", {"id"}}}},
             {"to", {{"connector", "crm"}, {"entity", "people"}, {"key", {"id"}}}}}}}}
          .dump());
  const auto r = sync();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(summary_of(r.out, "p"), (std::vector<long long>{5, 3, 2, 0, 0, 0, 0})) << r.out;
  std::map<std::string, int> operations;
  for (const auto &line : lines_of(audit().out)) {
    ++operations[json::parse(line)["operation"].get<std::string>()];
  }
  EXPECT_EQ(operations, (std::map<std::string, int>{{"create", 3}, {"update", 2}}));
}

// A target that gives records IDs of its own (as a CRM does) gets later writes addressed
// by that ID: the record's link finds it even after the flow's key (the email) changed.
TEST_F(SharedState, ATargetThatAssignsIdsGetsUpdatesAddressedByTheIdItAssigned) {
  dir.write("in/p.csv", "id,email,name\n1,a@x.org,Ada\n2,g@x.org,Grace\n");
  dir.write(
      "junction.json",
      json{
          {"store", "sqlite:state.db"},
          {"connectors",
           {{"src",
             {{"plugin", "csv"},
              {"config",
               {{"dir", "in"}, {"entities", {{"p", {{"file", "p.csv"}, {"stable_for", "0s"}}}}}}}}},
            {"crm",
             {{"plugin", "memory"}, {"config", {{"dump_to", "crm.json"}, {"assign_ids", true}}}}}}},
          {"flows",
           {{{"name", "p"},
             {"from", {{"connector", "src"}, {"entity", "p"}, {"key", {"id"}}}},
             {"to", {{"connector", "crm"}, {"entity", "contacts"}, {"key", {"email"}}}},
             {"mapping", {{"email", {{"from", "email"}}}, {"name", {{"from", "name"}}}}}}}}}
          .dump());
  auto r = sync();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(summary_of(r.out, "p"), (std::vector<long long>{2, 2, 0, 0, 0, 0, 0})) << r.out;

  dir.write("in/p.csv", "id,email,name\n1,ada@x.org,Ada\n2,g@x.org,Grace\n");
  r = sync();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(summary_of(r.out, "p"), (std::vector<long long>{2, 0, 1, 1, 0, 0, 0})) << r.out;
  const auto held = dump("crm.json");
  ASSERT_EQ(held.size(), 2U) << held;
  EXPECT_EQ(held[0]["_id"], "m-1");
  EXPECT_EQ(held[0]["email"], "ada@x.org");
  const auto last = json::parse(lines_of(audit().out).back());
  EXPECT_EQ(last["target_key"], "m-1");
  EXPECT_EQ(last["operation"], "update");
  EXPECT_EQ(last["changed_fields"], "email");

  r = sync();
  EXPECT_EQ(summary_of(r.out, "p"), (std::vector<long long>{2, 0, 0, 2, 0, 0, 0})) << r.out;
}

// How many records a run of `flow` skipped because they read as they did when last
// written (the run's debug log says so); 0 when it skipped none.
long long skipped_unmapped(const ProcessResult &r, const std::string &flow) {
  const std::string marker = "flow " + flow + ": ";
  const std::string words = " records read as they did when last written";
  for (const auto &line : lines_of(r.err)) {
    const auto at = line.find(marker);
    const auto end = line.find(words);
    if (at == std::string::npos || end == std::string::npos) continue;
    return std::stoll(line.substr(at + marker.size(), end - at - marker.size()));
  }
  return 0;
}

// A record that reads as it did when the flow last wrote it is neither mapped nor compared
// again; a changed record is, and an edit of the flow's mapping makes the flow map every
// record again once.
TEST_F(SharedState, ARecordThatReadsAsItDidIsSkippedUntilItOrItsFlowChanges) {
  dir.write("in/people.csv", "id,email\n1,A@x.org\n2,B@x.org\n3,C@x.org\n");
  const json csv = {{"plugin", "csv"},
                    {"config",
                     {{"dir", "in"},
                      {"entities", {{"people", {{"file", "people.csv"}, {"stable_for", "0s"}}}}}}}};
  const auto write_config = [&](const json &email_rule, int batch_size) {
    dir.write("junction.json",
              json{{"store", "sqlite:state.db"},
                   {"connectors", {{"src", csv}, {"t", memory_target("t.json")}}},
                   {"flows",
                    {{{"name", "p"},
                      {"from", {{"connector", "src"}, {"entity", "people"}, {"key", {"id"}}}},
                      {"to", {{"connector", "t"}, {"entity", "people"}}},
                      {"batch_size", batch_size},
                      {"mapping", {{"id", {{"from", "id"}}}, {"email", email_rule}}}}}}}
                  .dump());
  };
  const auto run = [&] {
    return junction({"--log-level", "debug", "sync", "--progress", "never", "--config",
                     (dir / "junction.json").string(), "--plugin-path", built_plugin_dir().string(),
                     "--plugin-path", test_plugin_dir().string()});
  };
  const auto emails = [&] {
    std::set<std::string> out;
    for (const auto &record : dump("t.json")) out.insert(record["email"].get<std::string>());
    return out;
  };
  const json lower = {{"from", "email"}, {"transform", {"lower"}}};
  write_config(lower, 1000);
  auto r = run();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(summary_of(r.out, "p"), (std::vector<long long>{3, 3, 0, 0, 0, 0, 0})) << r.out;
  EXPECT_EQ(skipped_unmapped(r, "p"), 0);

  r = run();
  EXPECT_EQ(summary_of(r.out, "p"), (std::vector<long long>{3, 0, 0, 3, 0, 0, 0})) << r.out;
  EXPECT_EQ(skipped_unmapped(r, "p"), 3) << r.err;

  dir.write("in/people.csv", "id,email\n1,A@x.org\n2,Bee@x.org\n3,C@x.org\n");
  r = run();
  EXPECT_EQ(summary_of(r.out, "p"), (std::vector<long long>{3, 0, 1, 2, 0, 0, 0})) << r.out;
  EXPECT_EQ(skipped_unmapped(r, "p"), 2) << r.err;
  EXPECT_EQ(emails(), (std::set<std::string>{"a@x.org", "bee@x.org", "c@x.org"}));

  // A changed mapping reaches every record, though none changed in the source.
  write_config({{"from", "email"}, {"transform", {"upper"}}}, 1000);
  r = run();
  EXPECT_EQ(summary_of(r.out, "p"), (std::vector<long long>{3, 0, 3, 0, 0, 0, 0})) << r.out;
  EXPECT_EQ(skipped_unmapped(r, "p"), 0);
  EXPECT_EQ(emails(), (std::set<std::string>{"A@X.ORG", "BEE@X.ORG", "C@X.ORG"}));
  r = run();
  EXPECT_EQ(skipped_unmapped(r, "p"), 3) << r.err;

  // An edit that does not touch the mapping changes nothing.
  write_config({{"from", "email"}, {"transform", {"upper"}}}, 2);
  r = run();
  EXPECT_EQ(summary_of(r.out, "p"), (std::vector<long long>{3, 0, 0, 3, 0, 0, 0})) << r.out;
  EXPECT_EQ(skipped_unmapped(r, "p"), 3) << r.err;

  // A mapping edit that maps nothing differently: every record is compared once, found
  // unchanged, and skipped from then on.
  write_config({{"from", "email"}, {"transform", {"upper"}}, {"max_length", 100}}, 2);
  r = run();
  EXPECT_EQ(summary_of(r.out, "p"), (std::vector<long long>{3, 0, 0, 3, 0, 0, 0})) << r.out;
  EXPECT_EQ(skipped_unmapped(r, "p"), 0);
  r = run();
  EXPECT_EQ(summary_of(r.out, "p"), (std::vector<long long>{3, 0, 0, 3, 0, 0, 0})) << r.out;
  EXPECT_EQ(skipped_unmapped(r, "p"), 3) << r.err;

  // A skipped record still holds its key for the run: a second record with it is refused.
  dir.write("in/people.csv", "id,email\n1,A@x.org\n2,Bee@x.org\n3,C@x.org\n1,a@x.org\n");
  r = run();
  EXPECT_EQ(summary_of(r.out, "p"), (std::vector<long long>{4, 0, 0, 3, 0, 1, 0})) << r.out;
  EXPECT_EQ(skipped_unmapped(r, "p"), 3) << r.err;
  EXPECT_EQ(emails(), (std::set<std::string>{"A@X.ORG", "BEE@X.ORG", "C@X.ORG"}));
}

}  // namespace
}  // namespace junction::testing
