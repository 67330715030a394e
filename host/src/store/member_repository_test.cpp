#include "store/member_repository.hpp"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "postgres.hpp"
#include "store/state_store.hpp"
#include "temp_dir.hpp"

namespace junction::store {
namespace {

class Members : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    store_ =
        StateStore::open(*parse_store_location("sqlite:" + (dir_ / "s.db").string(), "/", why));
  }
  testing::TempDir dir_;
  std::unique_ptr<StateStore> store_;
};

// A content hash as the engine makes it (32 hex digits) and the 16 the store keeps of it.
std::string hash_of(int n) {
  char text[33];
  std::snprintf(text, sizeof text, "%016x%016x", n + 1, 7);
  return text;
}
std::string kept(int n) {
  return hash_of(n).substr(0, 16);
}
// Written fields: a segment of the field list's hash and one hash per field.
const std::string fields_a = "0000000a11111111";
const std::string fields_b = "0000000b22222222;0000000a33333333";

TEST_F(Members, LooksUpAnyNumberOfKeys) {
  MemberRepository states(store_->session(), "crm", "contacts");
  std::vector<RecordWrite> writes;
  for (int i = 0; i < 250; ++i) writes.push_back({"k" + std::to_string(i), hash_of(i), fields_a});
  states.record_writes(writes);
  for (const std::size_t n : {1U, 2U, 99U, 100U, 101U, 250U}) {
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < n; ++i) keys.push_back("k" + std::to_string(i));
    keys.push_back("missing");
    const auto known = states.lookup(keys);
    EXPECT_EQ(known.size(), n) << n << " keys";
    EXPECT_EQ(known.at("k0").written_hash, kept(0));
    EXPECT_EQ(known.at("k0").field_hashes, fields_a);
  }
  EXPECT_EQ(states.lookup({"k7"}).size(), 1U);
  EXPECT_EQ(states.lookup({"k7", "k8"}).size(), 2U);
  MemberRepository other(store_->session(), "crm", "companies");
  EXPECT_TRUE(other.lookup({"k0"}).empty());
}

// Unchanged, changed, deleted and unknown keys, compared in one call.
void compares_keys_with_what_was_written(StateStore &store, const std::string &connector) {
  MemberRepository states(store.session(), connector, "contacts");
  states.record_writes(
      {{"a", hash_of(1), fields_a}, {"b", hash_of(2), fields_b}, {"c", "deleted", ""}});
  const auto c =
      states.compare({"a", "b", "c", "d"}, {hash_of(1), hash_of(9), "deleted", hash_of(4)});
  ASSERT_EQ(c.size(), 4U);
  EXPECT_TRUE(c[0].known);
  EXPECT_TRUE(c[0].unchanged);
  EXPECT_EQ(c[0].written_hash, "");  // nothing copied for an unchanged key
  EXPECT_TRUE(c[1].known);
  EXPECT_FALSE(c[1].unchanged);
  EXPECT_EQ(c[1].written_hash, kept(2));
  EXPECT_EQ(c[1].field_hashes, fields_b);
  EXPECT_TRUE(c[2].unchanged);
  EXPECT_FALSE(c[3].known);
  EXPECT_FALSE(c[3].unchanged);
  MemberRepository other(store.session(), connector, "companies");
  EXPECT_FALSE(other.compare({"a"}, {hash_of(1)})[0].known);

  // Source records 7 and 8 delivered to members a and b: linked, found from the source.
  const auto ids = states.record_links("members", "m", {{"7", "a"}, {"8", "b"}});
  ASSERT_EQ(ids.size(), 2U);
  EXPECT_NE(ids[0], ids[1]);
  states.record_writes({{"a", hash_of(1), fields_a, ids[0]}, {"b", hash_of(2), fields_b, ids[1]}});
  EXPECT_EQ(states.linked_members("members", "m", {"7", "8", "9"}),
            (std::vector<std::string>{"a", "b", ""}));
  // Another target joins the link the source already has, rather than a new one.
  MemberRepository mail(store.session(), connector, "subscribers");
  EXPECT_EQ(mail.record_links("members", "m", {{"7", "s-1"}}), std::vector<long long>{ids[0]});
  EXPECT_EQ(states.link_ids({"a", "zz"}), (std::vector<long long>{ids[0], 0}));
}

TEST_F(Members, ComparesKeysWithWhatWasWrittenOnSqlite) {
  compares_keys_with_what_was_written(*store_, "crm");
}

TEST(MembersOnPostgres, ComparesKeysWithWhatWasWritten) {
  JUNCTION_REQUIRE_POSTGRES(url);
  std::string why;
  auto store = StateStore::open(*parse_store_location(url, "/", why));
  // The test cluster is shared: a connector name of its own keeps this test apart.
  compares_keys_with_what_was_written(*store, "crm-" + std::to_string(std::random_device{}()));
}

// Rows of a table for a connector's members.
long long rows_of(soci::session &session, const std::string &table, const std::string &connector) {
  long long n = 0;
  session << "SELECT COUNT(*) FROM " + table +
                 " t JOIN systems s ON s.system_id = t.system_id WHERE s.connector = :c",
      soci::use(connector), soci::into(n);
  return n;
}

// Writes to known members are appended to member_updates, which shadows their rows until a
// fold writes them back; a member thought new that exists after all still ends newest.
void appends_updates_and_folds_them(StateStore &store, const std::string &connector) {
  auto &session = store.session();
  MemberRepository states(session, connector, "contacts");
  std::vector<RecordWrite> writes;
  for (int i = 0; i < 10; ++i) writes.push_back({"k" + std::to_string(i), hash_of(i), fields_a});
  states.record_writes(writes);
  EXPECT_EQ(rows_of(session, "member_state", connector), 10);
  EXPECT_EQ(rows_of(session, "member_updates", connector), 0);

  writes.clear();
  for (int i = 0; i < 5; ++i) {
    writes.push_back({"k" + std::to_string(i), hash_of(100 + i), fields_b, 0, true});
  }
  states.record_writes(writes);
  states.record_writes({{"k1", hash_of(200), fields_a},  // thought new, exists
                        {"k2", hash_of(300), fields_b, 0, true},
                        {"k3", "deleted", "", 0, true}});
  EXPECT_EQ(rows_of(session, "member_state", connector), 10);
  EXPECT_GE(rows_of(session, "member_updates", connector), 4);
  EXPECT_LE(rows_of(session, "member_updates", connector), 5);  // one row per member

  const auto expect_newest = [&](MemberRepository &r) {
    const auto c = r.compare({"k0", "k1", "k2", "k3", "k4", "k7", "k0"},
                             {hash_of(100), hash_of(200), hash_of(300), "deleted", hash_of(104),
                              hash_of(7), hash_of(0)});
    for (std::size_t i = 0; i < 6; ++i) EXPECT_TRUE(c[i].unchanged) << i;
    EXPECT_TRUE(c[6].known);
    EXPECT_FALSE(c[6].unchanged);
    EXPECT_EQ(c[6].written_hash, kept(100));
    EXPECT_EQ(c[6].field_hashes, fields_b);
    const auto known = r.lookup({"k0", "k1", "k3", "k7", "zz"});
    ASSERT_EQ(known.size(), 4U);
    EXPECT_EQ(known.at("k0").written_hash, kept(100));
    EXPECT_EQ(known.at("k0").field_hashes, fields_b);
    EXPECT_EQ(known.at("k1").written_hash, kept(200));
    EXPECT_EQ(known.at("k1").field_hashes, fields_a);
    EXPECT_EQ(known.at("k3").written_hash, "deleted");
    EXPECT_EQ(known.at("k7").written_hash, kept(7));
  };
  {
    MemberRepository reader(session, connector, "contacts");
    expect_newest(reader);
  }
  EXPECT_EQ(states.fold_updates(100, 0.25), 0U);  // fewer than 100
  EXPECT_EQ(states.fold_updates(1, 0.9), 0U);     // fewer than 90% of the members
  EXPECT_GE(states.fold_updates(1, 0.25), 4U);
  EXPECT_EQ(rows_of(session, "member_updates", connector), 0);
  EXPECT_EQ(rows_of(session, "member_state", connector), 10);
  expect_newest(states);
  MemberRepository reader(session, connector, "contacts");
  expect_newest(reader);
  // After the fold a write appends again.
  states.record_writes({{"k5", hash_of(500), fields_a, 0, true}});
  EXPECT_EQ(rows_of(session, "member_updates", connector), 1);
  MemberRepository later(session, connector, "contacts");
  EXPECT_TRUE(later.compare({"k5"}, {hash_of(500)})[0].unchanged);
}

TEST_F(Members, AppendsUpdatesAndFoldsThemOnSqlite) {
  appends_updates_and_folds_them(*store_, "crm");
}

TEST(MembersOnPostgres, AppendsUpdatesAndFoldsThem) {
  JUNCTION_REQUIRE_POSTGRES(url);
  std::string why;
  auto store = StateStore::open(*parse_store_location(url, "/", why));
  appends_updates_and_folds_them(*store, "crm-" + std::to_string(std::random_device{}()));
}

// What a member's newest state was mapped from: written with it, replaced by an update,
// refreshed where the newest state is, carried by a fold; none never matches.
void knows_which_source_record_a_state_came_from(StateStore &store, const std::string &connector) {
  auto &session = store.session();
  {
    MemberRepository empty(session, connector, "contacts");
    EXPECT_FALSE(empty.holds_members());
    EXPECT_EQ(empty.written_from({"k0"}, {11}), std::vector<bool>{false});
  }
  MemberRepository states(session, connector, "contacts");
  std::vector<RecordWrite> writes;
  for (int i = 0; i < 4; ++i) {
    writes.push_back({"k" + std::to_string(i), hash_of(i), fields_a, 0, false,
                      i == 3 ? 0U : 100U + static_cast<unsigned>(i)});
  }
  states.record_writes(writes);
  const auto answers = [&](const std::vector<std::string> &keys,
                           const std::vector<std::uint64_t> &fingerprints) {
    MemberRepository reader(session, connector, "contacts");
    EXPECT_TRUE(reader.holds_members());
    return reader.written_from(keys, fingerprints);
  };
  EXPECT_EQ(answers({"k0", "k1", "k2", "k3", "k3", "zz"}, {100, 999, 102, 0, 103, 100}),
            (std::vector<bool>{true, false, true, false, false, false}));

  // k1 updated from another record; k2 updated by a write that names none.
  states.record_writes(
      {{"k1", hash_of(11), fields_b, 0, true, 201}, {"k2", hash_of(12), fields_b, 0, true, 0}});
  EXPECT_EQ(answers({"k1", "k1", "k2"}, {101, 201, 102}), (std::vector<bool>{false, true, false}));
  {
    MemberRepository reader(session, connector, "contacts");
    const auto c = reader.compare({"k0", "k1"}, {hash_of(0), hash_of(0)});
    EXPECT_EQ(c[0].source_fingerprint, 100U);
    EXPECT_EQ(c[1].source_fingerprint, 201U);
  }

  // A refresh reaches the newest state: the update of k2, the row of k3.
  states.refresh_fingerprints({{"k2", 302}, {"k3", 303}});
  EXPECT_EQ(answers({"k2", "k3", "k0"}, {302, 303, 100}), (std::vector<bool>{true, true, true}));
  MemberRepository reader(session, connector, "contacts");
  const auto known = reader.lookup({"k2"});
  EXPECT_EQ(known.at("k2").written_hash, kept(12)) << "a refresh changes no written state";
  EXPECT_EQ(known.at("k2").source_fingerprint, 302U);

  EXPECT_GE(states.fold_updates(1, 0.25), 2U);
  EXPECT_EQ(rows_of(session, "member_updates", connector), 0);
  EXPECT_EQ(answers({"k0", "k1", "k2", "k3"}, {100, 201, 302, 303}),
            (std::vector<bool>{true, true, true, true}));
}

// On SQLite keys that come in the order their rows were written are answered by a walk
// along the rows: keys in that order, shuffled, interleaved with another system's, missing
// or updated get the same answers as one look-up each would give.
TEST_F(Members, AnswerFingerprintsTheSameInAnyOrder) {
  auto &session = store_->session();
  MemberRepository states(session, "crm", "contacts");
  MemberRepository others(session, "crm", "companies");
  std::vector<RecordWrite> writes;
  for (int i = 0; i < 600; ++i) {
    writes.push_back({"k" + std::to_string(i), hash_of(i), fields_a, 0, false,
                      1000U + static_cast<unsigned>(i)});
    if (i % 7 == 0)
      others.record_writes({{"k" + std::to_string(i), hash_of(i), fields_a, 0, false, 5U}});
    if (i % 100 == 99) {
      states.record_writes(writes);
      writes.clear();
    }
  }
  states.record_writes({{"k10", hash_of(1), fields_b, 0, true, 77}});  // k10 updated
  std::vector<int> order(650);
  for (int i = 0; i < 650; ++i) order[static_cast<std::size_t>(i)] = i;  // 600..649: missing
  const auto expected = [](int i) { return i < 600 && i != 10; };
  for (int round = 0; round < 4; ++round) {
    if (round == 1) std::reverse(order.begin(), order.end());
    if (round == 2) std::shuffle(order.begin(), order.end(), std::mt19937(7));
    if (round == 3) std::sort(order.begin(), order.end());
    MemberRepository reader(session, "crm", "contacts");
    for (std::size_t start = 0; start < order.size(); start += 100) {
      std::vector<std::string> keys;
      std::vector<std::uint64_t> fingerprints;
      for (std::size_t j = start; j < std::min(order.size(), start + 100); ++j) {
        keys.push_back("k" + std::to_string(order[j]));
        fingerprints.push_back(1000U + static_cast<unsigned>(order[j]));
      }
      const auto same = reader.written_from(keys, fingerprints);
      for (std::size_t j = 0; j < keys.size(); ++j) {
        EXPECT_EQ(same[j], expected(order[start + j])) << keys[j] << " in round " << round;
      }
    }
    EXPECT_EQ(reader.written_from({"k10"}, {77}), std::vector<bool>{true});
  }
}

TEST_F(Members, KnowWhichSourceRecordTheirStateCameFromOnSqlite) {
  knows_which_source_record_a_state_came_from(*store_, "crm");
}

TEST(MembersOnPostgres, KnowWhichSourceRecordTheirStateCameFrom) {
  JUNCTION_REQUIRE_POSTGRES(url);
  std::string why;
  auto store = StateStore::open(*parse_store_location(url, "/", why));
  knows_which_source_record_a_state_came_from(*store,
                                              "crm-" + std::to_string(std::random_device{}()));
}

}  // namespace
}  // namespace junction::store
