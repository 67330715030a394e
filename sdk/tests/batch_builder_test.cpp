#include <junction/sdk.hpp>

#include <gtest/gtest.h>

namespace junction {
namespace {

TEST(BatchBuilder, BuildsARowMajorBatchWithCopiedText) {
  BatchBuilder builder;
  builder.set_fields({"id", "email", "amount"});
  builder.set_key_fields({0});
  std::string email = "ada@example.org";
  const auto row = builder.add_record(Operation::upsert, 1700000000000000, "members.csv:2");
  builder.set(row, 0, Value::int64(7));
  builder.set(row, 1, Value::string(email));
  builder.set(row, 2, Value::decimal("12.50"));
  email.assign("overwritten!!!!");  // the batch holds its own copy

  const jn_batch *raw = builder.batch();
  const BatchView batch(*raw);
  ASSERT_EQ(batch.size(), 1U);
  ASSERT_EQ(batch.field_count(), 3U);
  EXPECT_EQ(batch.field_index("email"), 1U);
  EXPECT_EQ(batch.field_index("nope"), BatchView::npos);
  EXPECT_EQ(batch.key_count(), 1U);
  const auto record = batch.record(0);
  EXPECT_EQ(record.origin(), "members.csv:2");
  EXPECT_EQ(record.changed_at(), 1700000000000000);
  EXPECT_EQ(record.value(0).as_int64(), 7);
  EXPECT_EQ(record.value(1).text(), "ada@example.org");
  EXPECT_EQ(record.value(2).type(), ValueType::decimal);
  EXPECT_EQ(record.value(2).text(), "12.50");
}

TEST(BatchBuilder, LeavesUnsetFieldsAbsentAndDistinguishesNull) {
  BatchBuilder builder;
  builder.set_fields({"a", "b"});
  const auto row = builder.add_record(Operation::remove);
  builder.set(row, 1, Value::null());
  const BatchView batch(*builder.batch());
  EXPECT_TRUE(batch.record(0).value(0).is_absent());
  EXPECT_TRUE(batch.record(0).value(1).is_null());
  EXPECT_EQ(batch.record(0).operation(), Operation::remove);
}

TEST(BatchBuilder, KeepsEveryTextValidAcrossManyBlocksAndHugeValues) {
  BatchBuilder builder;
  builder.set_fields({"text"});
  const std::string huge(200000, 'x');  // larger than one block
  std::vector<std::string> expected;
  for (int i = 0; i < 5000; ++i) {
    const std::string text = i == 2500 ? huge : "value-" + std::to_string(i);
    builder.set(builder.add_record(), 0, Value::string(text));
    expected.push_back(text);
  }
  const BatchView batch(*builder.batch());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(batch.record(i).value(0).text(), expected[i]) << i;
  }
}

TEST(BatchBuilder, ClearEmptiesTheBatchForReuse) {
  BatchBuilder builder;
  builder.set_fields({"text"});
  for (int round = 0; round < 3; ++round) {
    builder.clear();
    for (int i = 0; i < 100; ++i) {
      builder.set(builder.add_record(), 0, Value::string("r" + std::to_string(round)));
    }
    const BatchView batch(*builder.batch());
    ASSERT_EQ(batch.size(), 100U);
    EXPECT_EQ(batch.record(99).value(0).text(), "r" + std::to_string(round));
  }
  builder.drop_last_record();
  EXPECT_EQ(builder.size(), 99U);
}

TEST(BatchBuilder, CarriesUnreadableRecordsWithTheirReasonAndRawInput) {
  BatchBuilder builder;
  builder.set_fields({"id", "name"});
  builder.set(builder.add_record(), 0, Value::string("1"));
  const auto bad = builder.add_record(Operation::upsert, JN_TIME_UNKNOWN, "members.csv:3");
  builder.set(bad, 0, Value::string("2"));
  builder.fail_record(bad, "unterminated quote", "2,\"Smith");
  const BatchView batch(*builder.batch());
  EXPECT_FALSE(batch.record(0).failed());
  EXPECT_TRUE(batch.record(1).failed());
  EXPECT_EQ(batch.record(1).error(), "unterminated quote");
  EXPECT_EQ(batch.record(1).raw(), "2,\"Smith");
  EXPECT_EQ(batch.record(1).value(0).text(), "2");
}

TEST(BatchBuilder, RefusesToChangeFieldsOfANonEmptyBatch) {
  BatchBuilder builder;
  builder.set_fields({"a"});
  builder.add_record();
  EXPECT_THROW(builder.set_fields({"b"}), std::logic_error);
}

TEST(BatchBuilder, CarriesExpectedValuesBesideTheValuesAndOnlyWhereSet) {
  BatchBuilder builder;
  builder.set_fields({"id", "city"});
  const auto a = builder.add_record();
  builder.set(a, 0, Value::string("1"));
  builder.set(a, 1, Value::string("York"));
  const auto b = builder.add_record();
  builder.set(b, 0, Value::string("2"));
  builder.set_expected(b, 1, Value::string("Leeds"));
  const auto c = builder.add_record(Operation::remove);
  builder.set_expected(c, 1, Value::null());
  const BatchView view(*builder.batch());
  EXPECT_FALSE(view.record(a).has_expectations());
  EXPECT_TRUE(view.record(a).expected(1).is_absent());
  EXPECT_TRUE(view.record(b).has_expectations());
  EXPECT_EQ(view.record(b).expected(1).text(), "Leeds");
  EXPECT_TRUE(view.record(b).expected(0).is_absent());
  EXPECT_TRUE(view.record(c).expected(1).is_null());
  // A batch of an older host (struct_size ending before `expected`) states nothing.
  jn_batch older = *builder.batch();
  older.struct_size = offsetof(jn_batch, expected);
  EXPECT_FALSE(BatchView(older).record(b).has_expectations());
  builder.clear();
  builder.add_record();
  EXPECT_EQ(builder.batch()->expected, nullptr);
}

TEST(Outcomes, KeepTheirTextInStorageTheCallerOwns) {
  std::vector<jn_outcome> raw(4);
  std::deque<std::string> texts;
  {
    Outcomes outcomes(raw.data(), raw.size(), texts);
    outcomes.written(0, WriteAction::created, "hs-1001");
    outcomes.rejected(1, "email is not valid");
    outcomes.transient(2, "rate limited", 1500);
    outcomes.stale(3, "changed since it was read");
    EXPECT_THROW(outcomes.rejected(4, "out of range"), FatalError);
  }
  EXPECT_EQ(raw[0].status, JN_OK);
  EXPECT_EQ(raw[0].action, JN_WROTE_CREATED);
  EXPECT_EQ(view(raw[0].target_key), "hs-1001");
  EXPECT_EQ(raw[1].status, JN_RECORD_REJECTED);
  EXPECT_EQ(view(raw[1].message), "email is not valid");
  EXPECT_EQ(raw[2].status, JN_TRANSIENT);
  EXPECT_EQ(raw[2].retry_after_ms, 1500);
  EXPECT_EQ(raw[3].status, JN_STALE);
  EXPECT_EQ(view(raw[3].message), "changed since it was read");
}

}  // namespace
}  // namespace junction
