// junction sync with the csv plugin: identity flows over an RFC 4180 corpus, the quick
// start twice, arriving files, and the error queue.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"
#include "csv_parser.hpp"

namespace junction::testing {
namespace {

namespace fs = std::filesystem;

std::vector<std::vector<std::string>> parse_csv(const fs::path &file, char delimiter = ',') {
  csv::FileReader reader(file.string());
  csv::Parser parser(reader, csv::Dialect{delimiter, '"'});
  csv::Row row;
  std::vector<std::vector<std::string>> rows;
  while (parser.next(row)) {
    EXPECT_EQ(row.error, "") << file << ":" << row.line;
    rows.emplace_back(row.fields.begin(), row.fields.end());
  }
  return rows;
}

std::vector<fs::path> files_in(const fs::path &dir) {
  std::vector<fs::path> files;
  if (!fs::exists(dir)) return files;
  for (const auto &e : fs::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

class SyncCommand : public ::testing::Test {
 protected:
  ProcessResult sync(const fs::path &config, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"sync", "--config", config.string(), "--plugin-path",
                                     built_plugin_dir().string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return junction(args);
  }
  ProcessResult errors_json(const fs::path &config) {
    return junction({"errors", "list", "--json", "--config", config.string()});
  }
  TempDir dir;
};

TEST_F(SyncCommand, AnIdentityFlowReproducesEveryFieldOfTheRfc4180Corpus) {
  fs::create_directories(dir / "in");
  fs::copy_file(source_dir() / "tests/fixtures/rfc4180/corpus.csv", dir / "in/corpus.csv",
                fs::copy_options::none);
  const auto config = dir.write("junction.json", R"({
    "connectors": {
      "in": {"plugin": "csv", "config": {"dir": "in", "entities": {"corpus": {"file": "corpus.csv", "stable_for": "0s"}}}},
      "out": {"plugin": "csv", "config": {"dir": "out", "entities": {"corpus": {"file_name": "copy.csv", "mode": "append"}}}}
    },
    "flows": [{"name": "copy", "from": {"connector": "in", "entity": "corpus", "key": ["id"]},
               "to": {"connector": "out", "entity": "corpus"}}]
  })");
  const auto r = sync(config);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(summary_of(r.out, "copy"), (std::vector<long long>{11, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(written_of(r.out, "copy"), 11);
  // Written by hand from the corpus's bytes, not by the parser under test.
  const std::vector<std::vector<std::string>> expected{
      {"id", "text", "note"},
      {"1", "plain", "simple"},
      {"2", "with, comma", "with \"doubled\" quotes"},
      {"3", "line one\nline two", "cr\rinside"},
      {"4", "crlf\r\ninside", ""},
      {"5", "", ""},
      {"6", "  spaces kept  ", "  quoted spaces  "},
      {"7", "Zoë 花子 🙂", "Łódź"},
      {"8", "12\" vinyl", "a \"quote\" at the end\""},
      {"9", "", "trailing"},
      {"10", "multi\n\nblank lines inside", "x,y,z"},
      {"11", "last row", "no final newline"}};
  const auto output = parse_csv(dir / "out/copy.csv");
  ASSERT_EQ(output.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(output[i], expected[i]) << "row " << i;
  }
  EXPECT_EQ(parse_csv(dir / "in/corpus.csv"), expected) << "the input reads the same";
}

TEST_F(SyncCommand, ReadsWindows1252WithAnotherDelimiter) {
  fs::create_directories(dir / "in");
  fs::copy_file(source_dir() / "tests/fixtures/rfc4180/windows-1252-semicolon.csv",
                dir / "in/w.csv", fs::copy_options::none);
  const auto config = dir.write("junction.json", R"({
    "connectors": {
      "in": {"plugin": "csv", "config": {"dir": "in", "entities": {"w": {"file": "w.csv", "delimiter": ";", "encoding": "windows-1252", "stable_for": "0s"}}}},
      "out": {"plugin": "csv", "config": {"dir": "out", "entities": {"w": {"file_name": "w.csv", "mode": "append"}}}}
    },
    "flows": [{"name": "w", "from": {"connector": "in", "entity": "w", "key": ["id"]},
               "to": {"connector": "out", "entity": "w"}}]
  })");
  const auto r = sync(config);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto output = parse_csv(dir / "out/w.csv");
  ASSERT_EQ(output.size(), 4U);
  EXPECT_EQ(output[1], (std::vector<std::string>{"1", "Renée", "1,50"}));
  EXPECT_EQ(output[2], (std::vector<std::string>{"2", "“Quoted” € sign", "2"}));
  EXPECT_EQ(output[3], (std::vector<std::string>{"3", "semi;colon", "3"}));
}

class QuickStart : public SyncCommand {
 protected:
  void SetUp() override {
    fs::create_directories(dir / "config/sample-data/membership");
    fs::copy_file(source_dir() / "config/junction.json", dir / "config/junction.json");
    fs::copy_file(source_dir() / "config/sample-data/membership/members.csv",
                  dir / "config/sample-data/membership/members.csv");
  }
  fs::path config() const { return dir / "config/junction.json"; }
};

TEST_F(QuickStart, FirstRunDeliversEveryGoodRowAndQueuesEveryFaultyOne) {
  const auto r = sync(config());
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(summary_of(r.out, "members-to-crm"), (std::vector<long long>{320, 0, 0, 0, 0, 9, 0}));
  EXPECT_EQ(written_of(r.out, "members-to-crm"), 311);
  EXPECT_EQ(summary_of(r.out, "mailing-list"), (std::vector<long long>{320, 0, 0, 0, 0, 4, 114}));
  EXPECT_EQ(written_of(r.out, "mailing-list"), 202);
  EXPECT_NE(r.out.find("junction errors list --config"), std::string::npos);

  const auto crm_files = files_in(dir / "var/out/crm");
  ASSERT_EQ(crm_files.size(), 1U);
  const auto crm = parse_csv(crm_files[0]);
  ASSERT_EQ(crm.size(), 312U);  // header + 311
  EXPECT_EQ(crm[0], (std::vector<std::string>{"email", "firstname", "lastname", "phone", "city",
                                              "zip", "membership_level", "member_since",
                                              "annual_fee", "external_id", "source"}));
  for (std::size_t i = 1; i < crm.size(); ++i) {
    EXPECT_EQ(crm[i][0], [&] {
      std::string lower = crm[i][0];
      for (auto &c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return lower;
    }()) << "emails are normalized";
    EXPECT_EQ(crm[i][3].rfind("+44", 0), 0U) << crm[i][3];
  }

  const auto errors = nlohmann::json::parse(errors_json(config()).out);
  std::map<std::string, std::string> crm_errors;  // origin -> message
  for (const auto &e : errors) {
    if (e["flow"] == "members-to-crm") crm_errors[e["origin"]] = e["message"];
  }
  EXPECT_EQ(crm_errors.size(), 9U);
  EXPECT_EQ(crm_errors["members.csv:17"], "'email' is required, but source field 'Email' is empty");
  EXPECT_EQ(crm_errors["members.csv:103"],
            "'email' is required, but source field 'Email' is empty");
  EXPECT_EQ(crm_errors["members.csv:44"],
            "'member_since': '31/02/2024' from source field 'Joined' is not a real date");
  EXPECT_EQ(crm_errors["members.csv:66"],
            "'firstname' is 300 characters long, more than the 100 allowed (from source field "
            "'First Name')");
  EXPECT_EQ(crm_errors["members.csv:189"],
            "'phone': '12345' from source field 'Phone' is not a valid phone number for default "
            "country GB");
  EXPECT_EQ(crm_errors["members.csv:273"],
            "'membership_level': 'P' from source field 'Level' is not in its lookup table");
  EXPECT_EQ(crm_errors["members.csv:244"].rfind("members.csv line 244: ", 0), 0U);
  EXPECT_NE(crm_errors["members.csv:126"].find("another record in this run already has the key"),
            std::string::npos);
  EXPECT_NE(crm_errors["members.csv:215"].find("another record in this run already has the key"),
            std::string::npos);
}

TEST_F(QuickStart, SecondRunChangesNothingAndWritesNoFile) {
  ASSERT_EQ(sync(config()).exit_code, 3);
  const auto files_before =
      files_in(dir / "var/out/crm").size() + files_in(dir / "var/out/mailing").size();
  const auto r = sync(config());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(summary_of(r.out, "members-to-crm"), (std::vector<long long>{320, 0, 0, 311, 0, 9, 0}));
  EXPECT_EQ(summary_of(r.out, "mailing-list"), (std::vector<long long>{320, 0, 0, 202, 0, 4, 114}));
  EXPECT_EQ(files_in(dir / "var/out/crm").size() + files_in(dir / "var/out/mailing").size(),
            files_before);
  EXPECT_NE(r.out.find("13 records failed: 0 new in the error queue, 13 already there"),
            std::string::npos)
      << r.out;
  // The same failures are the same queue entries, tried twice.
  const auto errors = nlohmann::json::parse(errors_json(config()).out);
  EXPECT_EQ(errors.size(), 13U);
  for (const auto &e : errors) EXPECT_EQ(e["attempts"], 2);
}

TEST_F(QuickStart, AChangedRowIsAnUpdateAndOnlyItIsWritten) {
  ASSERT_EQ(sync(config()).exit_code, 3);
  const auto first_files = files_in(dir / "var/out/crm");
  const auto members = dir / "config/sample-data/membership/members.csv";
  std::string text = read_file(members);
  const auto at = text.find("Manchester");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 10, "Stockport!");
  dir.write("config/sample-data/membership/members.csv", text);
  const auto r = sync(config(), {"--flow", "members-to-crm"});
  EXPECT_EQ(summary_of(r.out, "members-to-crm"), (std::vector<long long>{320, 0, 0, 310, 0, 9, 0}));
  EXPECT_EQ(written_of(r.out, "members-to-crm"), 1);
  const auto crm_files = files_in(dir / "var/out/crm");
  ASSERT_EQ(crm_files.size(), 2U);
  const auto newest = parse_csv(crm_files[0] == first_files.at(0) ? crm_files[1] : crm_files[0]);
  ASSERT_EQ(newest.size(), 2U);
  EXPECT_EQ(newest[1][4], "Stockport!");
}

TEST_F(SyncCommand, ReadsArrivingFilesOnceAndArchivesThem) {
  dir.write("drop/members-001.csv", "id,name\n1,Ada\n2,Grace\n");
  const auto config = dir.write("junction.json", R"({
    "connectors": {
      "in": {"plugin": "csv", "config": {"dir": "drop", "entities": {"members": {"pattern": "members-*.csv", "stable_for": "0s", "archive_dir": "done"}}}},
      "out": {"plugin": "csv", "config": {"dir": "out", "entities": {"people": {"file_name": "people-{run}.csv"}}}}
    },
    "flows": [{"name": "arrivals", "from": {"connector": "in", "entity": "members", "key": ["id"]},
               "to": {"connector": "out", "entity": "people"}}]
  })");
  auto r = sync(config);
  EXPECT_EQ(summary_of(r.out, "arrivals"), (std::vector<long long>{2, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(written_of(r.out, "arrivals"), 2);
  EXPECT_TRUE(fs::exists(dir / "drop/done/members-001.csv"));
  dir.write("drop/members-002.csv", "id,name\n2,Grace Hopper\n3,Katherine\n");
  r = sync(config);
  EXPECT_EQ(summary_of(r.out, "arrivals"), (std::vector<long long>{2, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(written_of(r.out, "arrivals"), 2);
  r = sync(config);
  EXPECT_EQ(summary_of(r.out, "arrivals"), (std::vector<long long>{0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(files_in(dir / "out").size(), 2U);
}

TEST_F(SyncCommand, RefusesToRunABadConfigAndRunsNothing) {
  const auto config = dir.write("junction.json", R"({
    "connectors": {"in": {"plugin": "csv", "config": {"entities": {"x": {"file": "x.csv"}}}}},
    "flows": [{"name": "f", "from": {"connector": "in", "entity": "x", "key": ["id"]},
               "to": {"connector": "nowhere", "entity": "x"}}]
  })");
  const auto r = sync(config);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/flows/0/to/connector: unknown connector 'nowhere'"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("nothing was run"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "var"));
}

TEST_F(SyncCommand, ShowsOneQueuedRecordInFull) {
  dir.write("in/m.csv", "id,email\n1,not-an-email\n");
  const auto config = dir.write("junction.json", R"({
    "connectors": {
      "in": {"plugin": "csv", "config": {"dir": "in", "entities": {"m": {"file": "m.csv", "stable_for": "0s"}}}},
      "out": {"plugin": "csv", "config": {"dir": "out", "entities": {"m": {}}}}
    },
    "flows": [{"name": "f", "from": {"connector": "in", "entity": "m", "key": ["id"]},
               "to": {"connector": "out", "entity": "m"},
               "mapping": {"id": {"from": "id"}, "email": {"from": "email", "transform": ["normalize_email"]}}}]
  })");
  EXPECT_EQ(sync(config).exit_code, 3);
  const auto r = junction({"errors", "show", "1", "--config", config.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("where:     m.csv:2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("stage:     map (rejected)"), std::string::npos);
  EXPECT_NE(r.out.find("problem:   'email': 'not-an-email' from source field 'email' is not a "
                       "valid email address"),
            std::string::npos);
  EXPECT_NE(r.out.find("\"email\": \"not-an-email\""), std::string::npos);
  EXPECT_EQ(junction({"errors", "show", "99", "--config", config.string()}).exit_code, 2);
}

}  // namespace
}  // namespace junction::testing
