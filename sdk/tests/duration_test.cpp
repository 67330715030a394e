#include "junction/duration.hpp"

#include <gtest/gtest.h>

namespace junction {
namespace {

TEST(Duration, ReadsEveryUnit) {
  EXPECT_EQ(parse_duration_ms("250ms"), 250);
  EXPECT_EQ(parse_duration_ms("10s"), 10000);
  EXPECT_EQ(parse_duration_ms("2m"), 120000);
  EXPECT_EQ(parse_duration_ms("1h"), 3600000);
  EXPECT_EQ(parse_duration_ms("1d"), 86400000);
  EXPECT_EQ(parse_duration_ms("0s"), 0);
}

TEST(Duration, RefusesWhatIsMalformedOrOutOfRange) {
  EXPECT_FALSE(parse_duration_ms(""));
  EXPECT_FALSE(parse_duration_ms("s"));
  EXPECT_FALSE(parse_duration_ms("10"));
  EXPECT_FALSE(parse_duration_ms("10 s"));
  EXPECT_FALSE(parse_duration_ms("-1s"));
  EXPECT_FALSE(parse_duration_ms("9223372036854775807d"));
  EXPECT_FALSE(parse_duration_ms("9223372036854775807s"));
  EXPECT_FALSE(parse_duration_ms("99999999999999999999999ms"));
  EXPECT_EQ(parse_duration_ms("36600d"), max_duration_ms);
  EXPECT_FALSE(parse_duration_ms("36601d"));
}

}  // namespace
}  // namespace junction
