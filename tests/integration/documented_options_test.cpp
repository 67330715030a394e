// Options the docs promise, each driven through the real binary: the CSV sink's append
// mode with rotation, CRLF line ends and the parts of a run that commits more than once;
// the sql sink's insert and update modes and soft deletes; a disabled flow.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "cli_helpers.hpp"

namespace junction::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

class DocumentedOptions : public ::testing::Test {
 protected:
  ProcessResult sync() {
    return junction({"sync", "--progress", "never", "--config", (dir / "junction.json").string(),
                     "--plugin-path", built_plugin_dir().string(), "--plugin-path",
                     test_plugin_dir().string()});
  }
  // The memory connector "src" serving `people`, and the other connectors given.
  void write_config(const json &people, json connectors, const json &flows) {
    connectors["src"] = {{"plugin", "memory"}, {"config", {{"entities", {{"people", people}}}}}};
    dir.write(
        "junction.json",
        json{{"store", "sqlite:state.db"}, {"connectors", connectors}, {"flows", flows}}.dump());
  }
  static json flow(const std::string &name, const std::string &to, const std::string &entity,
                   const json &extra = json::object()) {
    json f = {{"name", name},
              {"from", {{"connector", "src"}, {"entity", "people"}, {"key", {"id"}}}},
              {"to", {{"connector", to}, {"entity", entity}, {"key", {"id"}}}}};
    f.update(extra);
    return f;
  }
  std::vector<std::string> files_in(const std::string &folder) const {
    std::vector<std::string> names;
    for (const auto &entry : fs::directory_iterator(dir / folder)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }
  std::string sqlite(const std::string &statements) {
    const auto r = run_process("/usr/bin/sqlite3", {(dir / "target.db").string(), statements});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
  TempDir dir;
};

// `mode: append` with `rotate_bytes`: a run appends to the file until it has reached the
// size, then the file is renamed with a time suffix and a new one begins, with its header;
// `line_ending: crlf` ends every line with CR LF.
TEST_F(DocumentedOptions, CsvAppendRotatesBySizeAndEndsLinesWithCrlf) {
  const json out = {{"plugin", "csv"},
                    {"config",
                     {{"dir", "out"},
                      {"entities",
                       {{"people",
                         {{"mode", "append"},
                          {"file_name", "people.csv"},
                          {"rotate_bytes", 20},
                          {"line_ending", "crlf"}}}}}}}};
  const json ada_grace = {{{"id", "1"}, {"name", "Ada"}}, {{"id", "2"}, {"name", "Grace"}}};
  write_config(ada_grace, {{"out", out}}, json::array({flow("people", "out", "people")}));
  fs::create_directories(dir / "out");
  auto r = sync();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(read_file(dir / "out/people.csv"), "id,name\r\n1,Ada\r\n2,Grace\r\n");

  json three = ada_grace;
  three.push_back({{"id", "3"}, {"name", "Hedy"}});
  write_config(three, {{"out", out}}, json::array({flow("people", "out", "people")}));
  r = sync();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto files = files_in("out");
  ASSERT_EQ(files.size(), 2U) << ::testing::PrintToString(files);
  EXPECT_EQ(read_file(dir / "out/people.csv"), "id,name\r\n3,Hedy\r\n")
      << "the full file was rotated away, the new one starts with its header";
  const std::string rotated = files[0] == "people.csv" ? files[1] : files[0];
  EXPECT_EQ(rotated.rfind("people", 0), 0U) << rotated;
  EXPECT_EQ(read_file(dir / "out" / rotated), "id,name\r\n1,Ada\r\n2,Grace\r\n");
}

// A run that commits more than once (`checkpoint_every`) writes its later parts beside
// the first as <name>.part2.csv and so on, each a whole CSV file with its header.
TEST_F(DocumentedOptions, ARunCommittingSeveralTimesWritesNumberedParts) {
  const json people = {{{"id", "1"}, {"name", "Ada"}},
                       {{"id", "2"}, {"name", "Grace"}},
                       {{"id", "3"}, {"name", "Hedy"}}};
  write_config(
      people,
      {{"out",
        {{"plugin", "csv"},
         {"config",
          {{"dir", "out"}, {"entities", {{"people", {{"file_name", "people-{run}.csv"}}}}}}}}}},
      json::array({flow("people", "out", "people", {{"checkpoint_every", 1}, {"batch_size", 1}})}));
  fs::create_directories(dir / "out");
  const auto r = sync();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto files = files_in("out");
  ASSERT_EQ(files.size(), 3U) << ::testing::PrintToString(files);
  const std::string first = files[0].substr(0, files[0].size() - 4);  // without ".csv"
  EXPECT_EQ(files[1], first + ".part2.csv");
  EXPECT_EQ(files[2], first + ".part3.csv");
  EXPECT_EQ(read_file(dir / "out" / files[0]), "id,name\n1,Ada\n");
  EXPECT_EQ(read_file(dir / "out" / files[1]), "id,name\n2,Grace\n");
  EXPECT_EQ(read_file(dir / "out" / files[2]), "id,name\n3,Hedy\n");
}

// `write: insert` makes a row that exists already a record error; `write: update` makes a
// row that does not exist one; the other records of the batch are written.
TEST_F(DocumentedOptions, SqlInsertAndUpdateModesQueueWhatTheyCannotDo) {
  sqlite(
      "CREATE TABLE inserted (id TEXT PRIMARY KEY, name TEXT);"
      "CREATE TABLE updated (id TEXT PRIMARY KEY, name TEXT);"
      "INSERT INTO inserted VALUES ('1', 'Old');"
      "INSERT INTO updated VALUES ('1', 'Old');");
  const json people = {{{"id", "1"}, {"name", "Ada"}}, {{"id", "2"}, {"name", "Grace"}}};
  const json target = {
      {"plugin", "sql"},
      {"config",
       {{"url", "sqlite:target.db"},
        {"entities", {{"inserted", {{"write", "insert"}}}, {"updated", {{"write", "update"}}}}}}}};
  write_config(
      people, {{"target", target}},
      json::array({flow("insert", "target", "inserted"), flow("update", "target", "updated")}));
  const auto r = sync();
  EXPECT_EQ(r.exit_code, 3) << "each mode queued one record\n" << r.out << r.err;
  EXPECT_EQ(sqlite("SELECT id || ':' || name FROM inserted ORDER BY id"), "1:Old\n2:Grace\n");
  EXPECT_EQ(sqlite("SELECT id || ':' || name FROM updated ORDER BY id"), "1:Ada\n");
  const auto queued =
      junction({"errors", "list", "--json", "--config", (dir / "junction.json").string()});
  ASSERT_EQ(queued.exit_code, 0) << queued.err;
  const auto entries = json::parse(queued.out);
  ASSERT_EQ(entries.size(), 2U) << queued.out;
  std::vector<std::string> flows_keys;
  for (const auto &e : entries) {
    flows_keys.push_back(e["flow"].get<std::string>() + ":" + e["source_key"].get<std::string>());
  }
  std::sort(flows_keys.begin(), flows_keys.end());
  EXPECT_EQ(flows_keys, (std::vector<std::string>{"insert:1", "update:2"}));
}

// `soft_delete_column`: a record gone from the snapshot keeps its row, with the column
// set to the time of the delete.
TEST_F(DocumentedOptions, ASoftDeleteSetsItsColumnAndKeepsTheRow) {
  sqlite("CREATE TABLE people (id TEXT PRIMARY KEY, name TEXT, deleted_at TEXT)");
  const json connectors = {
      {"in",
       {{"plugin", "csv"},
        {"config",
         {{"dir", "in"},
          {"entities", {{"people", {{"file", "people.csv"}, {"stable_for", "0s"}}}}}}}}},
      {"target",
       {{"plugin", "sql"},
        {"config",
         {{"url", "sqlite:target.db"},
          {"entities", {{"people", {{"soft_delete_column", "deleted_at"}}}}}}}}}};
  json people_flow = flow("people", "target", "people", {{"deletes_from_snapshot", true}});
  people_flow["from"]["connector"] = "in";
  dir.write("junction.json", json{{"store", "sqlite:state.db"},
                                  {"connectors", connectors},
                                  {"flows", json::array({people_flow})}}
                                 .dump());
  dir.write("in/people.csv", "id,name\n1,Ada\n2,Grace\n");
  auto r = sync();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(sqlite("SELECT count(*) FROM people WHERE deleted_at IS NULL"), "2\n");

  dir.write("in/people.csv", "id,name\n1,Ada\n");
  r = sync();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(sqlite("SELECT id FROM people WHERE deleted_at IS NULL"), "1\n");
  EXPECT_EQ(sqlite("SELECT id || ':' || name FROM people WHERE deleted_at IS NOT NULL"),
            "2:Grace\n")
      << "the deleted record's row stays, marked";
}

// `enabled: false`: the flow is left out of a run, and its target is not touched.
TEST_F(DocumentedOptions, ADisabledFlowDoesNotRun) {
  const json sink = {{"plugin", "memory"}, {"config", {{"dump_to", "on.json"}}}};
  const json off_sink = {{"plugin", "memory"}, {"config", {{"dump_to", "off.json"}}}};
  write_config({{{"id", "1"}, {"name", "Ada"}}}, {{"on", sink}, {"off", off_sink}},
               json::array({flow("runs", "on", "people"),
                            flow("resting", "off", "people", {{"enabled", false}})}));
  const auto r = sync();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(fs::exists(dir / "on.json"));
  EXPECT_FALSE(fs::exists(dir / "off.json")) << "the disabled flow wrote";
  EXPECT_NE(r.out.find("runs"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("resting"), std::string::npos) << r.out;
}

// `header: false` with `columns`: every row is a record, named by the configured columns.
TEST_F(DocumentedOptions, ACsvWithoutAHeaderIsReadByItsConfiguredColumns) {
  dir.write("in/people.csv", "1,Ada\n2,Grace\n");
  const json in = {{"plugin", "csv"},
                   {"config",
                    {{"dir", "in"},
                     {"entities",
                      {{"people",
                        {{"file", "people.csv"},
                         {"stable_for", "0s"},
                         {"header", false},
                         {"columns", {"id", "name"}}}}}}}}};
  const json sink = {{"plugin", "memory"}, {"config", {{"dump_to", "out.json"}}}};
  dir.write("junction.json",
            json{{"store", "sqlite:state.db"},
                 {"connectors", {{"in", in}, {"sink", sink}}},
                 {"flows",
                  {{{"name", "people"},
                    {"from", {{"connector", "in"}, {"entity", "people"}, {"key", {"id"}}}},
                    {"to", {{"connector", "sink"}, {"entity", "people"}, {"key", {"id"}}}}}}}}
                .dump());
  const auto r = sync();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto people = json::parse(read_file(dir / "out.json"));
  ASSERT_EQ(people.size(), 2U) << people.dump();
  EXPECT_EQ(people[0]["id"], "1");
  EXPECT_EQ(people[0]["name"], "Ada");
  EXPECT_EQ(people[1]["name"], "Grace");
}

}  // namespace
}  // namespace junction::testing
