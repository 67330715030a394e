// Conditional writes of the sql sink: a record stating what its row should still hold
// (jn_batch.expected) is written only while the row holds it, compared as the source reads
// the row; otherwise it is answered JN_STALE and the row keeps the edit made meanwhile.
#include <deque>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <junction/batch.hpp>
#include <junction/connector.hpp>

#include "postgres.hpp"
#include "sql_database.hpp"
#include "sql_sink.hpp"
#include "temp_dir.hpp"

namespace junction::sql {
namespace {

class SqlSinkExpectations : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      JUNCTION_REQUIRE_POSTGRES_SERVER(server);
      own_ = std::make_unique<testing::OwnDatabase>(server, testing::test_database_prefix());
      url_ = own_->url();
    } else {
      url_ = "sqlite:" + (dir_.path() / "people.db").string();
    }
    db_ = connect(url_, dir_.path().string(), true);
    const bool pg = GetParam();
    *db_.session << std::string("CREATE TABLE people (id TEXT PRIMARY KEY, city TEXT, age ") +
                        "INTEGER, seen " + (pg ? "TIMESTAMPTZ" : "TIMESTAMP") + ", vip " +
                        (pg ? "BOOLEAN" : "INTEGER") + ")";
    *db_.session << std::string("INSERT INTO people VALUES ('1', 'Leeds', 41, ") +
                        "'2024-05-01 10:00:00+00', " + (pg ? "true" : "1") + ")";
    *db_.session << "INSERT INTO people VALUES ('2', 'York', 30, NULL, NULL)";
    settings_.name = "people";
    settings_.table = "people";
  }

  // Writes one batch of records (id, city) with expectations on city, age, seen and vip
  // given as text; returns the outcomes.
  struct Row {
    std::string id;
    Operation op = Operation::upsert;
    std::string city;
    std::vector<std::pair<std::string, std::string>> expect;  // field, expected text
  };
  std::vector<jn_outcome> write(const std::vector<Row> &rows) {
    BatchBuilder batch;
    batch.set_fields({"id", "city", "age", "seen", "vip"});
    batch.set_key_fields({0});
    for (const auto &row : rows) {
      const auto r = batch.add_record(row.op);
      batch.set(r, 0, Value::string(row.id));
      if (row.op == Operation::upsert) batch.set(r, 1, Value::string(row.city));
      for (const auto &[field, text] : row.expect) {
        const std::size_t f = field == "city" ? 1 : field == "age" ? 2 : field == "seen" ? 3 : 4;
        batch.set_expected(r, f, text.empty() ? Value::null() : Value::string(text));
      }
    }
    std::vector<jn_outcome> raw(rows.size());
    std::deque<std::string> texts;
    Outcomes outcomes(raw.data(), raw.size(), texts);
    SqlSink sink(db_, settings_, SinkRequest{"people", {"id"}, "run"});
    sink.write(BatchView(*batch.batch()), outcomes);
    sink.commit();
    for (auto &o : raw) {
      messages_.emplace_back(
          o.message.data == nullptr ? "" : std::string(o.message.data, o.message.size));
    }
    return raw;
  }
  std::string city(const std::string &id) {
    std::string out;
    soci::indicator ind = soci::i_ok;
    *db_.session << "SELECT city FROM people WHERE id = :id", soci::use(id), soci::into(out, ind);
    return db_.session->got_data() ? (ind == soci::i_null ? "(null)" : out) : "(gone)";
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::OwnDatabase> own_;
  std::string url_;
  Database db_;
  EntitySettings settings_;
  std::vector<std::string> messages_;
};

TEST_P(SqlSinkExpectations, WritesARowThatStillHoldsWhatWasReadComparedAsTheSourceReadsIt) {
  // Typed columns are compared in the host's canonical text, whatever the database prints.
  const auto outcomes = write({{"1",
                                Operation::upsert,
                                "Hull",
                                {{"city", "Leeds"},
                                 {"age", "41"},
                                 {"seen", "2024-05-01T10:00:00Z"},
                                 {"vip", GetParam() ? "true" : "1"}}},
                               {"2", Operation::upsert, "Bath", {{"city", "York"}, {"seen", ""}}}});
  EXPECT_EQ(outcomes[0].status, JN_OK) << messages_[0];
  EXPECT_EQ(outcomes[1].status, JN_OK) << messages_[1];
  EXPECT_EQ(city("1"), "Hull");
  EXPECT_EQ(city("2"), "Bath");
}

TEST_P(SqlSinkExpectations, LeavesARowEditedSinceItWasReadAndSaysSo) {
  const auto outcomes = write({{"1", Operation::upsert, "Hull", {{"city", "Sheffield"}}},
                               {"2", Operation::upsert, "Bath", {{"city", "York"}}},
                               {"1", Operation::upsert, "Hull", {{"age", "40"}}}});
  EXPECT_EQ(outcomes[0].status, JN_STALE);
  EXPECT_NE(messages_[0].find("'city' changed in people since it was read"), std::string::npos)
      << messages_[0];
  EXPECT_EQ(outcomes[1].status, JN_OK) << messages_[1];
  EXPECT_EQ(outcomes[2].status, JN_STALE);
  EXPECT_EQ(city("1"), "Leeds");
  EXPECT_EQ(city("2"), "Bath");
}

TEST_P(SqlSinkExpectations, NeitherRecreatesARowDeletedMeanwhileNorDeletesAnEditedOne) {
  const auto outcomes = write({{"3", Operation::upsert, "Hull", {{"city", "Leeds"}}},
                               {"1", Operation::remove, "", {{"city", "Sheffield"}}},
                               {"2", Operation::remove, "", {{"city", "York"}, {"age", "30"}}}});
  EXPECT_EQ(outcomes[0].status, JN_STALE);
  EXPECT_NE(messages_[0].find("no longer in people"), std::string::npos) << messages_[0];
  EXPECT_EQ(outcomes[1].status, JN_STALE);
  EXPECT_EQ(outcomes[2].status, JN_OK) << messages_[2];
  EXPECT_EQ(city("3"), "(gone)");
  EXPECT_EQ(city("1"), "Leeds");
  EXPECT_EQ(city("2"), "(gone)");
}

TEST_P(SqlSinkExpectations, ARecordWithoutExpectationsIsWrittenAsBefore) {
  const auto outcomes =
      write({{"1", Operation::upsert, "Hull", {}}, {"9", Operation::upsert, "Ely", {}}});
  EXPECT_EQ(outcomes[0].status, JN_OK);
  EXPECT_EQ(outcomes[1].status, JN_OK);
  EXPECT_EQ(city("1"), "Hull");
  EXPECT_EQ(city("9"), "Ely");
}

INSTANTIATE_TEST_SUITE_P(Databases, SqlSinkExpectations, ::testing::Values(false, true),
                         [](const auto &param_info) {
                           return param_info.param ? "PostgreSQL" : "SQLite";
                         });

}  // namespace
}  // namespace junction::sql
