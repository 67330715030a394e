#include "engine/sync/cycle_plan.hpp"

#include <gtest/gtest.h>

#include "engine/sync/memory_link_directory.hpp"
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

// A system read by its changes: the owner did not change, so the cycle has no record of
// it; the foreign change is still reverted to the agreed value.
TEST(CyclePlan, AChangeToAnOwnedFieldIsRevertedWhenTheOwnerWasNotRead) {
  SyncModel model = two_systems();
  model.field_owner = {-1, -1, 1, -1};  // the members database owns phone
  MemoryLinkDirectory links(model, "GB");
  LinkState link;
  link.base = person("Ann", "ann@x.org", "1", "Leeds");
  link.held.assign(4, false);
  for (const char *key : {"c1", "m1"}) {
    MemberState member;
    member.key = key;
    for (const auto &v : link.base) member.known.emplace_back(value_hash(v));
    link.members.emplace_back(member);
  }
  links.put(link);
  Observation edit{0, "c1", person("Ann", "ann@x.org", "666", "Leeds"), 5, false};
  const auto plan = plan_cycle(model, links, {edit}, "GB");
  ASSERT_EQ(plan.decisions.size(), 1U);
  EXPECT_EQ(plan.decisions[0].rule, Rule::owner_revert);
  ASSERT_EQ(plan.writes.size(), 1U);
  EXPECT_EQ(plan.writes[0].system, 0U);
  ASSERT_EQ(plan.writes[0].fields.size(), 1U);
  EXPECT_EQ(plan.writes[0].fields[0].value, "1");
  EXPECT_EQ(plan.links.at(0).base[phone], "1");
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

namespace junction::engine::sync {
namespace {

using testing::MemorySyncWorld;

// A donor database and an online system share 9,000 people under different keys: most
// emails differ only in case and spaces, a quarter of the online records have no email
// and match on name and postcode (accents, case and spacing differ), and 20 of those
// match two donors (twins at one address). Each side has 500 people the other lacks.
TEST(CyclePlanAcceptance, AFirstSyncOfTenThousandContactsLinksThemWithoutDuplicates) {
  SyncModel model = testing::model_of({"donors", "online"}, {"email", "name", "postcode"});
  model.match.push_back({{{0, {"email"}}}});
  model.match.push_back({{{1, {"trim", "casefold", "fold_accents"}}, {2, {"postcode"}}}});
  MemorySyncWorld world(model);
  std::map<std::string, int> person;  // (system prefix + key) -> real person
  const auto add = [&](std::size_t system, int who, Values values) {
    person[std::to_string(system) + world.create(system, std::move(values))] = who;
  };
  const auto email = [](int i) { return "p" + std::to_string(i) + "@x.org"; };
  const auto name = [](int i) { return (i % 7 == 0 ? "Zoë " : "Ann ") + std::to_string(i); };
  const auto postcode = [](int i) {
    return "AB" + std::to_string(i % 90) + " " + std::to_string(i % 9) + "XY";
  };
  constexpr int shared = 9000;
  constexpr int twins = 20;
  int ambiguous = 0;
  for (int i = 0; i < shared; ++i) {
    add(0, i, {email(i), name(i), postcode(i)});
    const bool no_email = i % 4 == 0;
    std::string online_name = name(i);
    if (i % 7 == 0) online_name = "zoe " + std::to_string(i);  // no accent, lower case
    std::string online_postcode = postcode(i);
    online_postcode.erase(online_postcode.find(' '), 1);
    if (no_email && ambiguous < twins) {
      // A twin at the same address, with an email of their own, in the donor database.
      add(0, 100000 + ambiguous,
          {"twin" + std::to_string(ambiguous) + "@x.org", name(i), postcode(i)});
      ++ambiguous;
    }
    std::string mail = email(i);
    if (i % 3 == 0) mail = "  " + mail;
    if (i % 5 == 0) mail[0] = 'P';
    add(1, i, {no_email ? Value() : Value(mail), online_name, online_postcode});
  }
  for (int i = 0; i < 500; ++i) {
    add(0, 20000 + i, {email(20000 + i), name(20000 + i), postcode(20000 + i)});
    add(1, 30000 + i, {email(30000 + i), name(30000 + i), postcode(30000 + i)});
  }
  const CyclePlan plan = world.cycle();
  EXPECT_EQ(plan.matches.size(), static_cast<std::size_t>(shared - twins));
  std::size_t ambiguous_reviews = 0;
  for (const auto &r : plan.reviews) {
    ambiguous_reviews += r.kind == ReviewKind::ambiguous_match && r.candidates.size() == 2 ? 1 : 0;
  }
  EXPECT_EQ(ambiguous_reviews, static_cast<std::size_t>(twins));
  std::size_t created[2] = {0, 0};
  for (const auto &w : plan.writes) created[w.system] += w.kind == WriteKind::create ? 1 : 0;
  EXPECT_EQ(created[0], 500U) << "the online-only people, in the donor database";
  EXPECT_EQ(created[1], 500U) << "the donor-only people (the twins wait for their review)";
  // No person is in a system twice: records created by the sync are counted by email.
  for (std::size_t s = 0; s < 2; ++s) {
    std::map<std::string, int> by_email;
    for (const auto &[key, r] : world.system(s).records) {
      if (r.values[0]) ++by_email[*r.values[0]];
    }
    for (const auto &[mail, n] : by_email) EXPECT_EQ(n, 1) << mail << " twice in system " << s;
  }
  EXPECT_EQ(world.system(0).records.size(), std::size_t{shared + twins + 500 + 500});
  EXPECT_EQ(world.system(1).records.size(), std::size_t{shared + 500 + 500});
  world.cycle();  // differing spellings of shared emails settled by the newest change
  EXPECT_TRUE(world.cycle().writes.empty());
  // An online record without an email took the donor's: a missing value erases nothing.
  std::size_t with_email = 0;
  for (const auto &[key, r] : world.system(1).records) with_email += r.values[0] ? 1 : 0;
  EXPECT_EQ(with_email, world.system(1).records.size() - twins);
}

}  // namespace
}  // namespace junction::engine::sync

namespace junction::engine::sync {
namespace {

// A record that joins an existing link without a value for a field (the online form had
// no email) takes the link's value; it never erases it in the other systems.
TEST(CyclePlan, ARecordJoiningALinkWithoutAValueErasesNothing) {
  SyncModel model = two_systems();
  model.systems[1].access = Access::read_only;  // nothing is created there
  MemorySyncWorld world(model);
  const auto a = world.create(0, person("Ann", "ann@x.org", "1", "Leeds"));
  world.cycle();
  world.create(1, person("ANN", nullptr, "1", "leeds"));  // matches on name and city
  const auto plan = world.cycle();
  ASSERT_EQ(plan.matches.size(), 1U);
  EXPECT_EQ(world.system(0).records.at(a).values[email], "ann@x.org");
  // A value it does have and that differs is a change like any other (newest here).
  EXPECT_EQ(world.system(0).records.at(a).values[name], "ANN");
}

// What a write tells the system it expects to find there: for an update, the value read
// this cycle (or the agreed value the system was known to hold, when it was not read);
// for a delete, every field the system reads. A connector compares them before writing.
TEST(CyclePlan, WritesCarryTheValuesTheSystemIsExpectedToHold) {
  MemorySyncWorld world(two_systems());
  const auto a = world.create(0, person("Ann", "ann@x.org", "1", "Leeds"));
  world.cycle();
  const std::string b = world.system(1).records.begin()->first;
  world.edit(0, a, city, "York");
  const auto update = world.cycle();
  ASSERT_EQ(update.writes.size(), 1U);
  const MemberWrite &w = update.writes.front();
  EXPECT_EQ(w.system, 1U);
  ASSERT_EQ(w.fields.size(), 1U);
  EXPECT_EQ(w.fields[0].value, Value("York"));
  ASSERT_TRUE(w.fields[0].expected_value.has_value());
  EXPECT_EQ(*w.fields[0].expected_value, Value("Leeds"));
  EXPECT_EQ(w.fields[0].expected, value_hash(Value("Leeds")));
  EXPECT_TRUE(w.guards.empty());

  world.remove(0, a);
  const auto removal = world.cycle();
  ASSERT_EQ(removal.writes.size(), 1U);
  const MemberWrite &r = removal.writes.front();
  EXPECT_EQ(r.kind, WriteKind::remove);
  EXPECT_EQ(r.key, b);
  ASSERT_EQ(r.guards.size(), 4U);
  EXPECT_EQ(r.guards[name].expected_value, Value("Ann"));
  EXPECT_EQ(r.guards[city].expected_value, Value("York"));
  EXPECT_EQ(r.guards[phone].expected_value, Value("1"));
}

}  // namespace
}  // namespace junction::engine::sync
