#include "member_records.hpp"

#include <gtest/gtest.h>

#include "email_api.hpp"
#include "email_settings.hpp"

namespace junction::email {
namespace {

TEST(SubscriberHash, IsTheMd5OfTheLowerCasedAddress) {
  // md5("urist.mcvankab@freddiesjokes.com"), computed outside this code.
  EXPECT_EQ(subscriber_hash("Urist.McVankab@freddiesjokes.com"),
            "62eeb292278cc15f5817cb78f7790b08");
}

TEST(ApiTime, ReadsOffsetsAndWritesUtc) {
  EXPECT_EQ(parse_api_time("2026-12-01T05:31:09+00:00"), 1796103069);
  EXPECT_EQ(parse_api_time("2026-12-01T06:31:09+01:00"), 1796103069);
  EXPECT_EQ(parse_api_time("2026-12-01T05:31:09Z"), 1796103069);
  EXPECT_FALSE(parse_api_time("yesterday"));
  EXPECT_EQ(api_time(1796103069), "2026-12-01T05:31:09+00:00");
}

TEST(DataCentre, ComesFromTheKeysSuffix) {
  EXPECT_EQ(data_centre_of("0123456789abcdef0123456789abcdef-us6"), "us6");
  EXPECT_EQ(data_centre_of("0123456789abcdef"), "");
  EXPECT_EQ(data_centre_of("abc-us6.evil.example/"), "");
}

TEST(MemberRecords, CarryTheHashStatusMergeFieldsAndSortedTags) {
  AudienceSettings audience;
  audience.merge_fields = {"FNAME"};
  const auto fields = member_fields({"email_address", "status", "tags"}, audience);
  EXPECT_EQ(fields, (std::vector<std::string>{"id", "email_address", "status", "tags", "FNAME"}));
  const nlohmann::json member = {
      {"id", "62eeb292278cc15f5817cb78f7790b08"},
      {"email_address", "urist.mcvankab@freddiesjokes.com"},
      {"status", "unsubscribed"},
      {"merge_fields", {{"FNAME", "Urist"}}},
      {"tags", {{{"id", 2}, {"name", "donor"}}, {{"id", 1}, {"name", "board"}}}},
      {"last_changed", "2026-12-01T05:31:09+00:00"}};
  BatchBuilder out;
  out.set_fields(fields);
  add_member(out, fields, member, Operation::upsert);
  const BatchView view(*out.batch());
  const RecordView r = view.record(0);
  EXPECT_EQ(r.changed_at(), 1796103069LL * 1000000);
  EXPECT_EQ(r.value(0).text(), "62eeb292278cc15f5817cb78f7790b08");
  EXPECT_EQ(r.value(2).text(), "unsubscribed");
  EXPECT_EQ(r.value(3).text(), "board, donor");
  EXPECT_EQ(r.value(4).text(), "Urist");
  auto changed = member;
  changed["merge_fields"]["FNAME"] = "Urist ";
  EXPECT_NE(member_fingerprint(member), member_fingerprint(changed));
}

}  // namespace
}  // namespace junction::email
