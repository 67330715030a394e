#include <junction/sdk.hpp>

#include <gtest/gtest.h>

namespace junction {
namespace {

std::string text_of(const Value &v) {
  std::string out;
  append_value_text(out, v);
  return out;
}

TEST(ValueText, WritesDatesWithPaddedFields) {
  EXPECT_EQ(text_of(Value::date_days(0)), "1970-01-01");
  EXPECT_EQ(text_of(Value::date_days(20415)), "2025-11-23");
  EXPECT_EQ(text_of(Value::date_days(-1)), "1969-12-31");
  EXPECT_EQ(text_of(Value::date_days(-719162)), "0001-01-01");
  EXPECT_EQ(text_of(Value::date_days(2932896)), "9999-12-31");
}

TEST(ValueText, WritesTimestampsInUtcWithMicrosecondsOnlyWhenPresent) {
  EXPECT_EQ(text_of(Value::timestamp_micros(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(text_of(Value::timestamp_micros(1763856000000000)), "2025-11-23T00:00:00Z");
  EXPECT_EQ(text_of(Value::timestamp_micros(1763899205000042)), "2025-11-23T12:00:05.000042Z");
  EXPECT_EQ(text_of(Value::timestamp_micros(-1)), "1969-12-31T23:59:59.999999Z");
}

TEST(ValueText, WritesNumbersInShortestForm) {
  EXPECT_EQ(text_of(Value::int64(-42)), "-42");
  EXPECT_EQ(text_of(Value::float64(0.1)), "0.1");
  EXPECT_EQ(text_of(Value::boolean(true)), "true");
  EXPECT_EQ(text_of(Value::null()), "");
}

}  // namespace
}  // namespace junction
