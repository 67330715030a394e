#include "engine/conversions.hpp"

#include <gtest/gtest.h>

namespace junction::engine {
namespace {

Converted convert_ok(std::string_view text, TargetType type, const std::string &format = {},
                     Rounding rounding = Rounding::reject) {
  Converted out;
  const auto problem = convert_text(text, type, format, rounding, out);
  EXPECT_FALSE(problem) << text << ": " << problem.value_or("");
  return out;
}

std::string problem_of(std::string_view text, TargetType type, const std::string &format = {}) {
  Converted out;
  return convert_text(text, type, format, Rounding::reject, out).value_or("(converted)");
}

TEST(Conversions, Integers) {
  EXPECT_EQ(convert_ok("42", TargetType::integer).i64, 42);
  EXPECT_EQ(convert_ok("-9223372036854775808", TargetType::integer).i64, INT64_MIN);
  EXPECT_EQ(convert_ok("7.000", TargetType::integer).i64, 7);
  EXPECT_EQ(problem_of("12a", TargetType::integer), "is not a whole number");
  EXPECT_EQ(problem_of("9223372036854775808", TargetType::integer),
            "is too large for a whole number");
  EXPECT_EQ(problem_of("2.5", TargetType::integer),
            "has a fractional part, and this field takes whole numbers only");
}

TEST(Conversions, DecimalsIntoIntegersRoundAsConfigured) {
  EXPECT_EQ(convert_ok("2.5", TargetType::integer, {}, Rounding::half_up).i64, 3);
  EXPECT_EQ(convert_ok("2.5", TargetType::integer, {}, Rounding::half_even).i64, 2);
  EXPECT_EQ(convert_ok("3.5", TargetType::integer, {}, Rounding::half_even).i64, 4);
  EXPECT_EQ(convert_ok("2.51", TargetType::integer, {}, Rounding::half_even).i64, 3);
  EXPECT_EQ(convert_ok("2.9", TargetType::integer, {}, Rounding::truncate).i64, 2);
  EXPECT_EQ(convert_ok("-2.5", TargetType::integer, {}, Rounding::half_up).i64, -3);
}

TEST(Conversions, DecimalsStayExact) {
  EXPECT_EQ(convert_ok("+0012.3400", TargetType::decimal).text, "0012.3400");
  EXPECT_EQ(convert_ok(".5", TargetType::decimal).text, "0.5");
  EXPECT_EQ(convert_ok("123456789012345678901234567890.01", TargetType::decimal).text,
            "123456789012345678901234567890.01");
  EXPECT_EQ(problem_of("1,5", TargetType::decimal),
            "is not a decimal number (expected digits with an optional '.')");
  EXPECT_EQ(problem_of("5.", TargetType::decimal),
            "is not a decimal number (expected digits with an optional '.')");
}

TEST(Conversions, Booleans) {
  EXPECT_EQ(convert_ok("Yes", TargetType::boolean).i64, 1);
  EXPECT_EQ(convert_ok("off", TargetType::boolean).i64, 0);
  EXPECT_EQ(problem_of("maybe", TargetType::boolean),
            "is not a yes/no value (expected true, false, yes, no, 1 or 0)");
}

TEST(Conversions, DatesRefuseDaysThatDoNotExist) {
  EXPECT_EQ(convert_ok("1970-01-02", TargetType::date).i64, 1);
  EXPECT_EQ(convert_ok("29/02/2024", TargetType::date, "%d/%m/%Y").i64, 19782);
  EXPECT_EQ(problem_of("31/02/2024", TargetType::date, "%d/%m/%Y"), "is not a real date");
  EXPECT_EQ(problem_of("29/02/2023", TargetType::date, "%d/%m/%Y"), "is not a real date");
  EXPECT_EQ(problem_of("2024-02-10x", TargetType::date), "is not a date in the form YYYY-MM-DD");
  EXPECT_EQ(problem_of("2024-02-30", TargetType::date), "is not a real date");
  EXPECT_EQ(problem_of("2024-13-01", TargetType::date), "is not a date in the form YYYY-MM-DD");
  EXPECT_EQ(problem_of("2024-02-101", TargetType::date), "is not a date in the form YYYY-MM-DD");
  // The short forms strptime reads are still read.
  EXPECT_EQ(convert_ok("1970-1-2", TargetType::date).i64, 1);
  EXPECT_EQ(problem_of("10.02.2024", TargetType::date, "%d/%m/%Y"),
            "is not a date in the form %d/%m/%Y");
}

TEST(Conversions, TimestampsWithFractionsAndOffsets) {
  EXPECT_EQ(convert_ok("1970-01-01T00:00:01Z", TargetType::timestamp).i64, 1000000);
  EXPECT_EQ(convert_ok("1970-01-01 00:00:01.25", TargetType::timestamp).i64, 1250000);
  EXPECT_EQ(convert_ok("1970-01-01T01:00:00+01:00", TargetType::timestamp).i64, 0);
  EXPECT_EQ(convert_ok("1970-01-01T1:00:00+01:00", TargetType::timestamp).i64, 0);
  EXPECT_EQ(convert_ok("2024-02-29T23:59:59Z", TargetType::timestamp).i64,
            (19782LL * 86400 + 86399) * 1000000);
  EXPECT_EQ(problem_of("2024-02-29T24:00:00Z", TargetType::timestamp),
            "is not a timestamp in the form YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+HH:MM]");
  EXPECT_EQ(convert_ok("02/01/1970 00:00", TargetType::timestamp, "%d/%m/%Y %H:%M").i64,
            86400LL * 1000000);
  EXPECT_EQ(problem_of("yesterday", TargetType::timestamp),
            "is not a timestamp in the form YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+HH:MM]");
}

TEST(Conversions, FloatsAndJson) {
  EXPECT_DOUBLE_EQ(convert_ok("2.5e3", TargetType::float64).f64, 2500.0);
  EXPECT_EQ(problem_of("nan", TargetType::float64), "is not a number");
  EXPECT_EQ(convert_ok(R"({"a":[1,2]})", TargetType::json).type, JN_JSON);
  EXPECT_EQ(problem_of("{a:1}", TargetType::json), "is not valid JSON");
}

TEST(Conversions, CivilDays) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 2, 29), 11016);
  EXPECT_FALSE(days_from_civil(1900, 2, 29));
  EXPECT_FALSE(days_from_civil(2024, 13, 1));
}

}  // namespace
}  // namespace junction::engine
