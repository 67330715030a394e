#include <gtest/gtest.h>

#include "csv_sink.hpp"
#include "csv_source.hpp"
#include "fake_host.hpp"
#include "temp_dir.hpp"

namespace junction::csv {
namespace {

using junction::testing::TempDir;

struct ReadResult {
  std::vector<std::vector<std::string>> rows;  // "<null>" for null
  std::vector<std::string> errors;             // "origin: error"
  std::vector<std::string> fields;
  std::string cursor;
};

ReadResult read_all(const EntitySettings &settings, const std::string &cursor = {},
                    std::uint32_t batch_size = 2, std::vector<std::string> key = {"id"}) {
  testing::FakeHost fake;
  SourceRequest request;
  request.entity = settings.name;
  request.cursor = cursor;
  request.batch_size = batch_size;
  request.key_fields = std::move(key);
  CsvSource source(settings, request, fake.host());
  ReadResult result;
  BatchBuilder builder;
  std::string next_cursor;
  for (int guard = 0; guard < 10000; ++guard) {
    builder.clear();
    SourceBatch out{builder, next_cursor, false};
    source.next(out);
    const BatchView batch(*builder.batch());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const auto r = batch.record(i);
      if (r.failed()) {
        result.errors.push_back(std::string(r.origin()) + ": " + std::string(r.error()));
        continue;
      }
      std::vector<std::string> row;
      for (std::size_t f = 0; f < batch.field_count(); ++f) {
        row.push_back(r.value(f).is_null() ? "<null>" : std::string(r.value(f).text()));
      }
      result.rows.push_back(row);
    }
    if (batch.field_count() > 0) {
      result.fields.clear();
      for (std::size_t f = 0; f < batch.field_count(); ++f) {
        result.fields.emplace_back(batch.field_name(f));
      }
    }
    result.cursor = next_cursor;
    if (out.end) break;
  }
  return result;
}

EntitySettings file_entity(const std::filesystem::path &file) {
  EntitySettings s;
  s.name = "members";
  s.file = file.string();
  s.skip_processed = false;
  s.stable_for_ms = 0;
  return s;
}

TEST(CsvSource, ReadsAFileInBatchesWithNullsAndErrors) {
  TempDir dir;
  const auto file = dir.write("members.csv",
                              "id,name,email\n1,Ada,ada@example.org\n2,,\"\"\n3,Bad\n"
                              "4,\"Zo\xC3\xAB\",z@example.org\n5,L\xE9on,l@example.org\n");
  const auto r = read_all(file_entity(file));
  EXPECT_EQ(r.fields, (std::vector<std::string>{"id", "name", "email"}));
  ASSERT_EQ(r.rows.size(), 3U);
  EXPECT_EQ(r.rows[1], (std::vector<std::string>{"2", "<null>", ""}));
  EXPECT_EQ(r.rows[2][1], "Zoë");
  ASSERT_EQ(r.errors.size(), 2U);
  EXPECT_EQ(r.errors[0], "members.csv:4: members.csv line 4: expected 3 fields, found 2");
  EXPECT_EQ(r.errors[1],
            "members.csv:6: members.csv line 6: invalid UTF-8 in column 'name' at byte 2 (set "
            "\"encoding\" if the file is not UTF-8)");
}

TEST(CsvSource, TranscodesLatin1) {
  TempDir dir;
  const auto file = dir.write("m.csv", "id,name\n1,L\xE9on\n");
  auto settings = file_entity(file);
  settings.encoding = Encoding::latin1;
  EXPECT_EQ(read_all(settings).rows.at(0)[1], "Léon");
}

TEST(CsvSource, ResumesFromItsCursorInsideAFile) {
  TempDir dir;
  const auto file = dir.write("m.csv", "id,name\n1,a\n2,b\n3,c\n4,d\n5,e\n");
  auto settings = file_entity(file);
  testing::FakeHost fake;
  SourceRequest request;
  request.entity = "members";
  request.batch_size = 2;
  request.key_fields = {"id"};
  std::string cursor;
  {
    CsvSource source(settings, request, fake.host());
    BatchBuilder builder;
    SourceBatch out{builder, cursor, false};
    source.next(out);  // rows 1 and 2, then the process "stops"
  }
  const auto rest = read_all(settings, cursor);
  ASSERT_EQ(rest.rows.size(), 3U);
  EXPECT_EQ(rest.rows[0][0], "3");
}

TEST(CsvSource, ReadsEachArrivingFileOnceAndArchivesIt) {
  TempDir dir;
  dir.write("in/members-1.csv", "id,name\n1,a\n");
  dir.write("in/members-2.csv", "id,name\n2,b\n3,c\n");
  dir.write("in/other.csv", "id,name\n9,z\n");
  EntitySettings s;
  s.name = "members";
  s.dir = (dir / "in").string();
  s.pattern = "members-*.csv";
  s.stable_for_ms = 0;
  const auto first = read_all(s);
  ASSERT_EQ(first.rows.size(), 3U);
  const auto again = read_all(s, first.cursor);
  EXPECT_TRUE(again.rows.empty());
  // A new file arrives; only it is read.
  dir.write("in/members-3.csv", "id,name\n4,d\n");
  const auto third = read_all(s, again.cursor);
  ASSERT_EQ(third.rows.size(), 1U);
  EXPECT_EQ(third.rows[0][0], "4");
  // Archiving on acknowledge.
  s.archive_dir = (dir / "done").string();
  testing::FakeHost fake;
  SourceRequest request;
  request.entity = "members";
  CsvSource source(s, request, fake.host());
  source.acknowledge(third.cursor);
  EXPECT_TRUE(std::filesystem::exists(dir / "done/members-1.csv"));
  EXPECT_TRUE(std::filesystem::exists(dir / "done/members-3.csv"));
  EXPECT_TRUE(std::filesystem::exists(dir / "in/other.csv"));
}

TEST(CsvSource, WaitsForAReadyMarker) {
  TempDir dir;
  dir.write("in/m-1.csv", "id\n1\n");
  EntitySettings s;
  s.name = "m";
  s.dir = (dir / "in").string();
  s.pattern = "m-*.csv";
  s.ready_suffix = ".ready";
  EXPECT_TRUE(read_all(s).rows.empty());
  dir.write("in/m-1.csv.ready", "");
  EXPECT_EQ(read_all(s).rows.size(), 1U);
}

TEST(CsvSource, AMissingFileFailsTheReadUnlessItMayBeAbsent) {
  TempDir dir;
  auto settings = file_entity(dir / "members.csv");
  EXPECT_THROW(read_all(settings), FatalError);
  settings.allow_missing = true;
  EXPECT_TRUE(read_all(settings).rows.empty());
  std::filesystem::create_directory(dir / "adir");
  try {
    read_all(file_entity(dir / "adir"));
    FAIL() << "a folder was read as a file";
  } catch (const ConfigError &e) {
    EXPECT_NE(std::string(e.what()).find("is a folder"), std::string::npos) << e.what();
  }
}

TEST(CsvSettings, AStableForBeyondAHundredYearsIsRefusedNotOverflowed) {
  const auto settings = [](const char *stable_for) {
    return read_settings(
        nlohmann::json{{"dir", "/data"},
                       {"entities", {{"m", {{"file", "m.csv"}, {"stable_for", stable_for}}}}}},
        [](const std::string &path) { return path; });
  };
  EXPECT_EQ(settings("2s").entities.at("m").stable_for_ms, 2000);
  try {
    settings("9223372036854775807s");
    FAIL() << "an overflowing duration was taken";
  } catch (const ConfigError &e) {
    EXPECT_NE(std::string(e.what()).find("stable_for: '9223372036854775807s' is not a duration"),
              std::string::npos)
        << e.what();
  }
}

TEST(CsvSource, RefusesAFileWithoutTheKeyColumn) {
  TempDir dir;
  const auto file = dir.write("m.csv", "name\nAda\n");
  EXPECT_THROW(read_all(file_entity(file)), ConfigError);
}

TEST(CsvSink, WritesNothingWithoutRecordsAndAWholeFileAtCommit) {
  TempDir dir;
  EntitySettings s;
  s.name = "contacts";
  s.output_dir = (dir / "out").string();
  s.file_name = "contacts-{run}.csv";
  testing::FakeHost fake;
  SinkRequest request{"contacts", {"id"}, "r1"};
  {
    CsvSink empty(s, request, fake.host());
    empty.commit();
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));

  BatchBuilder builder;
  builder.set_fields({"id", "note", "amount"});
  auto row = builder.add_record();
  builder.set(row, 0, Value::int64(1));
  builder.set(row, 1, Value::string("a, \"quoted\"\nnote"));
  builder.set(row, 2, Value::decimal("10.50"));
  row = builder.add_record();
  builder.set(row, 0, Value::int64(2));
  builder.set(row, 1, Value::null());
  builder.set(row, 2, Value::timestamp_micros(1700000000123456));
  std::vector<jn_outcome> raw(2);
  std::deque<std::string> texts;
  Outcomes outcomes(raw.data(), raw.size(), texts);
  CsvSink sink(s, request, fake.host());
  sink.write(BatchView(*builder.batch()), outcomes);
  EXPECT_FALSE(std::filesystem::exists(dir / "out/contacts-r1.csv"));  // not before commit
  sink.commit();
  EXPECT_EQ(
      junction::testing::read_file(dir / "out/contacts-r1.csv"),
      "id,note,amount\n1,\"a, \"\"quoted\"\"\nnote\",10.50\n2,,2023-11-14T22:13:20.123456Z\n");
  EXPECT_EQ(raw[0].status, JN_OK);
}

TEST(CsvSink, AnUncommittedFileLeavesNoTrace) {
  TempDir dir;
  EntitySettings s;
  s.name = "c";
  s.output_dir = dir.path().string();
  testing::FakeHost fake;
  {
    CsvSink sink(s, SinkRequest{"c", {}, "r"}, fake.host());
    BatchBuilder builder;
    builder.set_fields({"x"});
    builder.set(builder.add_record(), 0, Value::string("1"));
    std::vector<jn_outcome> raw(1);
    std::deque<std::string> texts;
    Outcomes outcomes(raw.data(), 1, texts);
    sink.write(BatchView(*builder.batch()), outcomes);
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

}  // namespace
}  // namespace junction::csv
