#include "engine/sync/cycle_plan.hpp"

#include <gtest/gtest.h>

#include "engine/sync/sync_test_systems.hpp"

namespace junction::engine::sync {
namespace {

using testing::MemorySyncWorld;
using testing::model_of;

enum Field : std::size_t { name, email, phone, city };

SyncModel two_systems() {
  SyncModel model = model_of({"crm", "members"}, {"name", "email", "phone", "city"});
  model.match.push_back({{{email, {"email"}}}});
  model.match.push_back({{{name, {"trim", "casefold", "fold_accents"}}, {city, {"casefold"}}}});
  return model;
}

Values person(const char *n, const char *e, const char *p, const char *c) {
  const auto v = [](const char *s) { return s == nullptr ? Value() : Value(s); };
  return {v(n), v(e), v(p), v(c)};
}

std::size_t live(const testing::MemorySystem &s) {
  std::size_t n = 0;
  for (const auto &[key, r] : s.records) n += r.deleted ? 0 : 1;
  return n;
}

// Both systems already hold Ann (emails differing only in case and spaces) and Zoë (no
// email on one side: matched on name and city, accents folded); each holds one person
// the other lacks. The first cycle links the shared ones and creates only the others.
TEST(CyclePlan, AFirstSyncLinksSharedRecordsAndCreatesNoDuplicate) {
  MemorySyncWorld world(two_systems());
  world.create(0, person("Ann", "ann@x.org", "1", "Leeds"));
  world.create(0, person("Zoë Smith", "zoe@x.org", "2", "York"));
  world.create(0, person("Bob", "bob@x.org", "3", "Hull"));
  world.create(1, person("Ann", "  ANN@x.org ", "1", "Leeds"));
  world.create(1, person("zoe smith", nullptr, "2", "YORK"));
  world.create(1, person("Carl", "carl@x.org", "4", "Bath"));
  const auto first = world.cycle();
  EXPECT_EQ(first.matches.size(), 2U);
  EXPECT_TRUE(first.reviews.empty());
  EXPECT_EQ(live(world.system(0)), 4U);
  EXPECT_EQ(live(world.system(1)), 4U);
  EXPECT_EQ(world.links().links().size(), 4U);
  // Fields that differed are settled by the newest change, then nothing moves.
  world.cycle();
  const long long before = world.writes();
  const auto quiet = world.cycle();
  EXPECT_TRUE(quiet.writes.empty());
  EXPECT_EQ(world.writes(), before);
}

TEST(CyclePlan, ChangesToDifferentFieldsOnBothSidesBothSurvive) {
  MemorySyncWorld world(two_systems());
  const auto a = world.create(0, person("Ann", "ann@x.org", "1", "Leeds"));
  world.cycle();
  const std::string b = world.system(1).records.begin()->first;
  world.edit(0, a, city, "York");
  world.edit(1, b, phone, "9");
  const auto plan = world.cycle();
  for (std::size_t s = 0; s < 2; ++s) {
    const auto &values = world.system(s).records.begin()->second.values;
    EXPECT_EQ(values[city], "York") << s;
    EXPECT_EQ(values[phone], "9") << s;
  }
  // Each system gets only the other's field.
  ASSERT_EQ(plan.writes.size(), 2U);
  for (const auto &w : plan.writes) EXPECT_EQ(w.fields.size(), 1U);
  EXPECT_TRUE(world.cycle().writes.empty()) << "no echo of what was just written";
}

TEST(CyclePlan, TheSameFieldChangedOnBothSidesIsSettledByTheNewestChange) {
  MemorySyncWorld world(two_systems());
  const auto a = world.create(0, person("Ann", "ann@x.org", "1", "Leeds"));
  world.cycle();
  const std::string b = world.system(1).records.begin()->first;
  world.edit(1, b, city, "Bath");
  world.edit(0, a, city, "York");  // later
  const auto plan = world.cycle();
  ASSERT_EQ(plan.decisions.size(), 1U);
  EXPECT_EQ(plan.decisions[0].rule, Rule::newest);
  EXPECT_EQ(plan.decisions[0].winner, 0U);
  EXPECT_EQ(world.system(1).records.at(b).values[city], "York");
}

TEST(CyclePlan, UnderReviewAConflictIsHeldAndNothingIsWritten) {
  SyncModel model = two_systems();
  model.conflicts = ConflictPolicy::review;
  MemorySyncWorld world(model);
  const auto a = world.create(0, person("Ann", "ann@x.org", "1", "Leeds"));
  world.cycle();
  const std::string b = world.system(1).records.begin()->first;
  world.edit(0, a, city, "York");
  world.edit(1, b, city, "Bath");
  const auto plan = world.cycle();
  ASSERT_EQ(plan.reviews.size(), 1U);
  EXPECT_EQ(plan.reviews[0].kind, ReviewKind::conflict);
  EXPECT_EQ(plan.reviews[0].field, city);
  EXPECT_EQ(plan.reviews[0].values, (std::vector<Value>{"York", "Bath"}));
  EXPECT_TRUE(plan.writes.empty());
  EXPECT_EQ(world.system(0).records.at(a).values[city], "York");
  EXPECT_EQ(world.system(1).records.at(b).values[city], "Bath");
  // The held field is not raised again, and other fields still flow.
  world.edit(0, a, phone, "7");
  const auto next = world.cycle();
  EXPECT_TRUE(next.reviews.empty());
  EXPECT_EQ(world.system(1).records.at(b).values[phone], "7");
  EXPECT_EQ(world.system(1).records.at(b).values[city], "Bath");
}

TEST(CyclePlan, AChangeToAFieldAnotherSystemOwnsIsReverted) {
  SyncModel model = two_systems();
  model.field_owner = {-1, -1, 1, -1};  // the members database owns phone
  MemorySyncWorld world(model);
  const auto a = world.create(0, person("Ann", "ann@x.org", "1", "Leeds"));
  world.cycle();
  world.edit(0, a, phone, "666");
  const auto plan = world.cycle();
  ASSERT_EQ(plan.decisions.size(), 1U);
  EXPECT_EQ(plan.decisions[0].rule, Rule::owner_revert);
  EXPECT_EQ(world.system(0).records.at(a).values[phone], "1");
  const std::string b = world.system(1).records.begin()->first;
  EXPECT_EQ(world.system(1).records.at(b).values[phone], "1");
}

TEST(CyclePlan, AnEditMadeWhileACycleRunsIsNeverOverwrittenByIt) {
  MemorySyncWorld world(two_systems());
  const auto a = world.create(0, person("Ann", "ann@x.org", "1", "Leeds"));
  world.cycle();
  const std::string b = world.system(1).records.begin()->first;
  world.edit(0, a, city, "York");
  // The cycle read York from crm; before it writes, someone sets Bath in members.
  world.cycle([&] { world.edit(1, b, city, "Bath"); });
  EXPECT_EQ(world.system(1).records.at(b).values[city], "Bath");
  world.cycle();
  EXPECT_EQ(world.system(0).records.at(a).values[city], "Bath");
  EXPECT_TRUE(world.cycle().writes.empty());
}

TEST(CyclePlan, ADeleteReachesEverySystemAndAnUpdateNewerThanADeleteWins) {
  MemorySyncWorld world(two_systems());
  const auto a = world.create(0, person("Ann", "ann@x.org", "1", "Leeds"));
  const auto c = world.create(0, person("Cid", "cid@x.org", "2", "Bath"));
  world.cycle();
  world.remove(0, a);
  world.cycle();
  EXPECT_EQ(live(world.system(1)), 1U);
  // Cid is deleted in members, then updated (later) in crm: the update wins and members
  // gets Cid again.
  std::string cid_b;
  for (const auto &[key, r] : world.system(1).records) {
    if (!r.deleted) cid_b = key;
  }
  world.remove(1, cid_b);
  world.edit(0, c, city, "Wells");
  const auto plan = world.cycle();
  EXPECT_EQ(live(world.system(1)), 1U);
  EXPECT_EQ(live(world.system(0)), 1U);
  bool recreated = false;
  for (const auto &w : plan.writes) recreated |= w.kind == WriteKind::create && w.system == 1;
  EXPECT_TRUE(recreated);
}

// Two people called Ann in Leeds in the CRM, one without an email in the members
// database: which one it is waits for a person, and neither is created there meanwhile.
TEST(CyclePlan, ARecordMatchingSeveralGoesToReviewAndCreatesNothing) {
  MemorySyncWorld world(two_systems());
  world.create(0, person("Ann", "ann1@x.org", "1", "Leeds"));
  world.create(0, person("ann", "ann2@x.org", "2", "leeds"));
  world.create(1, person("ANN", nullptr, "3", "Leeds"));
  const auto plan = world.cycle();
  ASSERT_EQ(plan.reviews.size(), 1U);
  EXPECT_EQ(plan.reviews[0].kind, ReviewKind::ambiguous_match);
  EXPECT_EQ(plan.reviews[0].candidates.size(), 2U);
  EXPECT_EQ(live(world.system(0)), 2U);
  EXPECT_EQ(live(world.system(1)), 1U);
  EXPECT_TRUE(plan.writes.empty());
  EXPECT_EQ(world.cycle().reviews.size(), 1U) << "still waiting, still nothing created";
  EXPECT_EQ(live(world.system(1)), 1U);
}

TEST(CyclePlan, ChangesFromASystemHeldForApprovalWait) {
  SyncModel model = two_systems();
  model.hold_from.assign(4, std::vector<bool>(2, false));
  model.hold_from[city][1] = true;  // the web system's address changes wait for a person
  MemorySyncWorld world(model);
  world.create(0, person("Ann", "ann@x.org", "1", "Leeds"));
  world.cycle();
  const std::string b = world.system(1).records.begin()->first;
  world.edit(1, b, city, "Bath");
  const auto plan = world.cycle();
  ASSERT_EQ(plan.reviews.size(), 1U);
  EXPECT_EQ(plan.reviews[0].kind, ReviewKind::held_change);
  EXPECT_TRUE(plan.writes.empty());
  EXPECT_EQ(world.system(0).records.begin()->second.values[city], "Leeds");
}

TEST(CyclePlan, AReadOnlySystemIsNeverWrittenAndAWriteOnlyOneNeverRead) {
  SyncModel model = model_of({"erp", "crm", "mail"}, {"name", "email", "phone", "city"});
  model.match.push_back({{{email, {"email"}}}});
  model.systems[0].access = Access::read_only;
  model.systems[2].access = Access::write_only;
  MemorySyncWorld world(model);
  const auto e = world.create(0, person("Ann", "ann@x.org", "1", "Leeds"));
  world.cycle();
  EXPECT_EQ(live(world.system(1)), 1U);
  EXPECT_EQ(live(world.system(2)), 1U);
  const std::string c = world.system(1).records.begin()->first;
  world.edit(1, c, city, "York");  // reverted? no owner: flows to mail, never to erp
  world.cycle();
  EXPECT_EQ(world.system(0).records.at(e).values[city], "Leeds");
  EXPECT_EQ(world.system(2).records.begin()->second.values[city], "York");
}

}  // namespace
}  // namespace junction::engine::sync
