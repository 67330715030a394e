#include "engine/sync/lookup_plan.hpp"

#include <gtest/gtest.h>

#include "engine/sync/memory_link_directory.hpp"
#include "engine/sync/sync_test_systems.hpp"

namespace junction::engine::sync {
namespace {

using testing::model_of;

enum Field : std::size_t { name, email, phone, city };
constexpr std::size_t members = 0;
constexpr std::size_t crm = 1;

// Matching by email first, then by name and city.
SyncModel members_and_crm() {
  SyncModel model = model_of({"members", "crm"}, {"name", "email", "phone", "city"});
  model.match.push_back({{{email, {"email"}}}});
  model.match.push_back({{{name, {"trim", "casefold"}}, {city, {"casefold"}}}});
  return model;
}

Observation seen(std::size_t system, const char *key, Values values) {
  Observation o;
  o.system = system;
  o.key = key;
  o.values = std::move(values);
  return o;
}

Values person(const char *n, const char *e, const char *c) {
  const auto v = [](const char *s) { return s == nullptr ? Value() : Value(s); };
  return {v(n), v(e), Value(), v(c)};
}

LinkState linked(std::int64_t id, const char *member_key, std::size_t system, Values base) {
  LinkState link;
  link.id = id;
  link.members.assign(2, std::nullopt);
  link.members[system] = MemberState{member_key, std::vector<std::optional<std::uint64_t>>(4)};
  link.base = std::move(base);
  link.held.assign(4, false);
  return link;
}

TEST(LookupPlan, AskForUnlinkedRecordsOfOtherSystemsByTheFirstRuleGivingAKey) {
  const SyncModel model = members_and_crm();
  MemoryLinkDirectory links(model, "GB");
  const std::vector<Observation> read{
      seen(members, "1", person("Erin", "  Erin@X.org ", "Leeds")),
      seen(members, "2", person("Fay", nullptr, "York")),       // no email: by name and city
      seen(members, "3", person("Gus", "erin@x.org", "Hull")),  // same key as 1: asked once
      seen(crm, "c9", person("Hal", "hal@x.org", "Bath")),      // the target's own record
  };
  const auto lookups = plan_lookups(model, links, read, crm, "GB");
  ASSERT_EQ(lookups.size(), 2U);
  EXPECT_EQ(lookups[0].rule, 0U);
  ASSERT_EQ(lookups[0].queries.size(), 1U);
  EXPECT_EQ(lookups[0].queries[0].values, std::vector<std::string>{"erin@x.org"});
  EXPECT_EQ(lookups[1].rule, 1U);
  ASSERT_EQ(lookups[1].queries.size(), 1U);
  EXPECT_EQ(lookups[1].queries[0].values, (std::vector<std::string>{"Fay", "York"}));
  EXPECT_EQ(lookups[1].queries[0].match_key, *match_key(model.match[1], read[1].values, "GB"));
}

TEST(LookupPlan, LinkedDeletedAndAlreadyFoundRecordsAreNotAskedFor) {
  const SyncModel model = members_and_crm();
  MemoryLinkDirectory links(model, "GB");
  // Ann is linked already; Bob's email is on a link that has a CRM record.
  links.put(linked(1, "1", members, person("Ann", "ann@x.org", "Leeds")));
  LinkState bob = linked(2, "c2", crm, person("Bob", "bob@x.org", "Hull"));
  links.put(bob);
  Observation gone = seen(members, "4", person("Dee", "dee@x.org", "Bath"));
  gone.deleted = true;
  const std::vector<Observation> read{
      seen(members, "1", person("Ann", "ann@x.org", "Leeds")),
      seen(members, "2", person("Bob", "BOB@x.org", "Hull")),
      gone,
  };
  EXPECT_TRUE(plan_lookups(model, links, read, crm, "GB").empty());
}

TEST(LookupPlan, ARuleTheTargetCannotCompareIsSkipped) {
  SyncModel model = members_and_crm();
  model.systems[crm].reads[email] = false;  // the CRM side carries no email
  MemoryLinkDirectory links(model, "GB");
  const std::vector<Observation> read{seen(members, "1", person("Erin", "erin@x.org", "Leeds"))};
  const auto lookups = plan_lookups(model, links, read, crm, "GB");
  ASSERT_EQ(lookups.size(), 1U);
  EXPECT_EQ(lookups[0].rule, 1U);
  model.systems[crm].access = Access::write_only;
  EXPECT_TRUE(plan_lookups(model, links, read, crm, "GB").empty());
}

TEST(LookupPlan, ValuesAreTrimmedAndEmailsNormalized) {
  const MatchField plain{0, {"casefold"}};
  const MatchField mail{0, {"email"}};
  EXPECT_EQ(lookup_value("  Zoë Smith\t", plain, "GB"), "Zoë Smith");
  EXPECT_EQ(lookup_value(" Zoe@Example.ORG ", mail, "GB"), "zoe@example.org");
  EXPECT_EQ(lookup_value("not an address ", mail, "GB"), "not an address");
  EXPECT_EQ(lookup_value("   ", plain, "GB"), "");
}

}  // namespace
}  // namespace junction::engine::sync
