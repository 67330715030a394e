#include "crm_time.hpp"

#include <gtest/gtest.h>

namespace junction::crm {
namespace {

TEST(CrmTime, ReadsTheApisTimesToTheMicrosecond) {
  // 2019-12-07T16:50:06.678Z = 1575737406678 ms, computed with `date -d ... +%s`.
  EXPECT_EQ(parse_iso_time("2019-12-07T16:50:06.678Z"), 1575737406678000);
  EXPECT_EQ(parse_iso_time("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_iso_time("2024-02-29T23:59:59.123456Z"), 1709251199123456);
  EXPECT_EQ(parse_iso_time("2024-03-01T01:00:00+01:00"), 1709251200000000);
}

TEST(CrmTime, RefusesWhatIsNotAZonedIsoTime) {
  EXPECT_FALSE(parse_iso_time(""));
  EXPECT_FALSE(parse_iso_time("2019-12-07T16:50:06"));  // no zone
  EXPECT_FALSE(parse_iso_time("2019-13-07T16:50:06Z"));
  EXPECT_FALSE(parse_iso_time("2019-12-07T16:50:06.Z"));
  EXPECT_FALSE(parse_iso_time("2019-12-07T16:50:06Zjunk"));
  EXPECT_FALSE(parse_iso_time("1575737406678"));
}

}  // namespace
}  // namespace junction::crm
