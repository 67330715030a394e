#include "member_changes.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

namespace junction::email {
namespace {

// A members listing as the API gives it: "changed after" a whole second, sorted by
// last_changed with ties in an order of its own, paged by offset; members can change
// between queries.
struct FakeListing {
  struct Member {
    std::int64_t second = 0;
    int version = 0;
  };
  std::map<std::string, Member> members;
  std::function<void()> between_queries;
  int queries = 0;

  std::vector<FetchedMember> operator()(std::optional<std::int64_t> after, std::size_t offset,
                                        std::size_t count) {
    ++queries;
    if (between_queries) between_queries();
    std::vector<std::pair<std::string, Member>> hits;
    for (const auto &[id, m] : members) {
      if (!after || m.second > *after) hits.emplace_back(id, m);
    }
    const auto scramble = [](const std::string &id) { return std::hash<std::string>{}(id) % 7919; };
    std::sort(hits.begin(), hits.end(), [&](const auto &a, const auto &b) {
      if (a.second.second != b.second.second) return a.second.second < b.second.second;
      return scramble(a.first) != scramble(b.first) ? scramble(a.first) < scramble(b.first)
                                                    : a.first < b.first;
    });
    std::vector<FetchedMember> out;
    for (std::size_t i = offset; i < hits.size() && out.size() < count; ++i) {
      out.push_back({hits[i].first, hits[i].second.second, std::to_string(hits[i].second.version),
                     out.size()});
    }
    return out;
  }
};

std::vector<std::string> read_all(FakeListing &listing, SecondMark &mark, std::size_t page = 1000) {
  MemberChangeReader reader(mark, std::ref(listing), page);
  std::vector<std::string> ids;
  for (int steps = 0; steps < 10000; ++steps) {
    const auto step = reader.next();
    for (const auto &m : step.members) ids.push_back(m.id);
    mark = step.mark;
    if (step.done) return ids;
  }
  ADD_FAILURE() << "the read never ended";
  return ids;
}

TEST(MemberChangeReader, ReadsFiveThousandMembersOfOneSecondExactlyOnce) {
  FakeListing listing;
  for (int i = 0; i < 5000; ++i) listing.members["m" + std::to_string(i)] = {100, 0};
  listing.members["later"] = {101, 0};
  SecondMark mark;
  const auto ids = read_all(listing, mark);
  EXPECT_EQ(ids.size(), 5001U);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 5001U);
  EXPECT_EQ(mark.second, 101);
  // Nothing changed: the next read brings nothing.
  EXPECT_TRUE(read_all(listing, mark).empty());
}

TEST(MemberChangeReader, AMemberChangedAgainWithinTheMarksSecondIsReadAgain) {
  FakeListing listing;
  listing.members["a"] = {100, 0};
  listing.members["b"] = {100, 0};
  SecondMark mark;
  EXPECT_EQ(read_all(listing, mark).size(), 2U);
  listing.members["a"].version = 1;  // same second, new content
  listing.members["c"] = {100, 0};   // a newcomer in that second
  auto again = read_all(listing, mark);
  std::sort(again.begin(), again.end());
  EXPECT_EQ(again, (std::vector<std::string>{"a", "c"}));
}

TEST(MemberChangeReader, MembersChangingDuringTheReadAreNeitherLostNorRepeatedForever) {
  FakeListing listing;
  for (int i = 0; i < 3000; ++i) listing.members["m" + std::to_string(i)] = {100 + i / 10, 0};
  int round = 0;
  listing.between_queries = [&] {
    // Each query, an early member changes (moves to the end), and a new one arrives.
    ++round;
    listing.members["m" + std::to_string(round)] = {500 + round, 1};
    listing.members["new" + std::to_string(round)] = {500 + round, 0};
  };
  SecondMark mark;
  const auto ids = read_all(listing, mark, 200);
  std::set<std::string> distinct(ids.begin(), ids.end());
  for (const auto &[id, m] : listing.members) {
    EXPECT_TRUE(distinct.contains(id)) << id << " was never read";
  }
  EXPECT_LT(ids.size(), listing.members.size() + 100U) << "reads repeat without end";
}

TEST(MemberChangeReader, ResumesFromAMarkWithoutRereadingTheMarksSecond) {
  FakeListing listing;
  for (int i = 0; i < 1500; ++i) listing.members["m" + std::to_string(i)] = {100, 0};
  SecondMark mark;
  MemberChangeReader reader(mark, std::ref(listing), 1000);
  const auto first = reader.next();  // a crash after the first page keeps its mark
  ASSERT_EQ(first.members.size(), 1000U);
  SecondMark resumed = first.mark;
  const auto rest = read_all(listing, resumed);
  EXPECT_EQ(rest.size(), 500U);
  std::set<std::string> all;
  for (const auto &m : first.members) all.insert(m.id);
  all.insert(rest.begin(), rest.end());
  EXPECT_EQ(all.size(), 1500U);
}

}  // namespace
}  // namespace junction::email
