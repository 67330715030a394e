#include "engine/sync/member_index.hpp"

#include <gtest/gtest.h>

#include "engine/sync/sync_test_systems.hpp"

namespace junction::engine::sync {
namespace {

using testing::model_of;

SyncModel two() {
  return model_of({"crm", "members"}, {"name", "city"});
}

LinkState settled(std::int64_t id, const char *a_key, const char *b_key, const char *name,
                  const char *city) {
  LinkState link;
  link.id = id;
  link.base = {Value(name), Value(city)};
  link.held = {false, false};
  for (const char *key : {a_key, b_key}) {
    MemberState m;
    m.key = key;
    m.known = {value_hash(link.base[0]), value_hash(link.base[1])};
    link.members.push_back(m);
  }
  return link;
}

std::uint64_t digest_of(const std::vector<const char *> &texts) {
  DigestBuilder d;
  for (const char *t : texts) d.add(text_hash(t));
  return d.digest();
}

TEST(MemberIndex, ASettledRecordsDigestIsTheDigestOfItsValuesAsRead) {
  const SyncModel model = two();
  const LinkState a = settled(1, "c1", "ann@x.org", "Ann", "Leeds");
  const LinkState b = settled(2, "c2", "bob@x.org", "Bob", "");
  const auto index = MemberIndex::build(model, 1, {&a, &b});
  ASSERT_TRUE(index);
  ASSERT_EQ(index->size(), 2U);
  const auto i = index->find(key_hash("ann@x.org"));
  ASSERT_NE(i, MemberIndex::npos);
  EXPECT_EQ(index->at(i).link, 1);
  EXPECT_EQ(index->at(i).digest, digest_of({"Ann", "Leeds"}));
  EXPECT_NE(index->at(i).digest, digest_of({"Ann", "York"}));
  // An empty value and a missing one read alike.
  EXPECT_EQ(index->at(index->find(key_hash("bob@x.org"))).digest, digest_of({"Bob", ""}));
  EXPECT_EQ(index->find(key_hash("carl@x.org")), MemberIndex::npos);
}

TEST(MemberIndex, ALinkThatStillOwesAWriteNeverMatches) {
  const SyncModel model = two();
  LinkState failed = settled(1, "c1", "ann@x.org", "Ann", "York");
  failed.members[1]->known[1] = value_hash(Value("Leeds"));  // the write of York failed
  LinkState missing = settled(2, "c2", "bob@x.org", "Bob", "Hull");
  missing.members[0].reset();  // not yet created in the crm
  LinkState gone = settled(3, "c3", "eve@x.org", "Eve", "Ely");
  gone.members[1]->deleted = true;
  const auto index = MemberIndex::build(model, 1, {&failed, &missing, &gone});
  ASSERT_TRUE(index);
  EXPECT_EQ(index->size(), 2U) << "a deleted record has no entry";
  for (const char *key : {"ann@x.org", "bob@x.org"}) {
    const auto i = index->find(key_hash(key));
    ASSERT_NE(i, MemberIndex::npos) << key;
    EXPECT_NE(index->at(i).digest, digest_of({"Ann", "Leeds"})) << key;
    EXPECT_NE(index->at(i).digest, digest_of({"Bob", "Hull"})) << key;
  }
}

TEST(MemberIndex, RoundTripsAndRefusesOtherFingerprintsOrDamagedBytes) {
  const SyncModel model = two();
  const LinkState a = settled(7, "c1", "ann@x.org", "Ann", "Leeds");
  const auto index = MemberIndex::build(model, 0, {&a});
  ASSERT_TRUE(index);
  const auto fp = MemberIndex::fingerprint(model, 0);
  EXPECT_NE(fp, MemberIndex::fingerprint(model, 1));
  const std::string bytes = index->encode(fp);
  const auto back = MemberIndex::decode(bytes, fp);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->at(0).link, 7);
  EXPECT_EQ(back->at(0).digest, index->at(0).digest);
  EXPECT_FALSE(MemberIndex::decode(bytes, fp + 1));
  EXPECT_FALSE(MemberIndex::decode(bytes.substr(0, bytes.size() - 1), fp));
  EXPECT_FALSE(MemberIndex::decode("not an index", fp));
  SyncModel fewer = model;
  fewer.systems[0].reads[1] = false;  // the crm no longer reads city
  EXPECT_NE(MemberIndex::fingerprint(fewer, 0), fp);
}

TEST(MemberIndex, UpdatingReplacesTheEntriesOfTheLinksGiven) {
  const SyncModel model = two();
  const LinkState a = settled(1, "c1", "ann@x.org", "Ann", "Leeds");
  const LinkState b = settled(2, "c2", "bob@x.org", "Bob", "Hull");
  auto index = MemberIndex::build(model, 1, {&a, &b});
  ASSERT_TRUE(index);
  LinkState moved = settled(1, "c1", "ann@x.org", "Ann", "York");
  LinkState removed = b;
  removed.deleted = true;
  ASSERT_TRUE(index->update(model, 1, {&moved, &removed}));
  ASSERT_EQ(index->size(), 1U);
  EXPECT_EQ(index->at(0).digest, digest_of({"Ann", "York"}));
}

}  // namespace
}  // namespace junction::engine::sync
