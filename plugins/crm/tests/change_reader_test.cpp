#include "change_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

namespace junction::crm {
namespace {

// A search service over objects (ID -> modification time) that sorts ties in an order
// of its own, as the real one does not promise any, and can change objects between
// queries.
struct FakeSearch {
  std::map<std::uint64_t, std::int64_t> modified;
  std::function<void()> between_queries;
  int queries = 0;

  std::vector<FoundRecord> operator()(const ChangeQuery &q, int limit) {
    ++queries;
    if (between_queries) between_queries();
    std::vector<std::pair<std::uint64_t, std::int64_t>> hits;
    for (const auto &[id, t] : modified) {
      if (q.drain) {
        const std::uint64_t after = q.after_id.empty() ? 0 : std::stoull(q.after_id);
        if (t == q.modified_ms && id > after) hits.emplace_back(id, t);
      } else if (t > q.modified_ms) {
        hits.emplace_back(id, t);
      }
    }
    std::sort(hits.begin(), hits.end(), [&](const auto &a, const auto &b) {
      if (q.drain) return a.first < b.first;
      if (a.second != b.second) return a.second < b.second;
      return (a.first * 2654435761u) % 1000003u < (b.first * 2654435761u) % 1000003u;
    });
    std::vector<FoundRecord> out;
    for (std::size_t i = 0; i < hits.size() && static_cast<int>(i) < limit; ++i) {
      out.push_back({std::to_string(hits[i].first), hits[i].second, i});
    }
    return out;
  }
};

std::vector<std::string> read_all(FakeSearch &search, ChangePosition &position, int page = 200) {
  ChangeReader reader(position, std::ref(search), page);
  std::vector<std::string> ids;
  for (int steps = 0; steps < 100000; ++steps) {
    auto step = reader.next();
    for (const auto &r : step.records) ids.push_back(r.id);
    position = step.position;
    if (step.done) return ids;
  }
  ADD_FAILURE() << "the read never ended";
  return ids;
}

TEST(ChangeReader, ReadsTwentyFiveThousandRecordsOfOneMillisecondExactlyOnce) {
  FakeSearch search;
  for (std::uint64_t id = 1; id <= 25000; ++id) search.modified[id] = 5000;
  search.modified[30001] = 4000;
  search.modified[30002] = 6000;
  ChangePosition position;
  const auto ids = read_all(search, position);
  ASSERT_EQ(ids.size(), 25002u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 25002u);
  EXPECT_EQ(ids.front(), "30001");
  EXPECT_EQ(ids.back(), "30002");
  // Pages of 200 plus one query per group boundary, never a page beyond the window.
  EXPECT_LE(search.queries, 25002 / 200 + 5);
  // Nothing changed since: the next read delivers nothing.
  EXPECT_TRUE(read_all(search, position).empty());
}

TEST(ChangeReader, ResumesFromAnyPositionItReturnedWithoutGapsOrRepeats) {
  FakeSearch search;
  std::mt19937 random(7);
  for (std::uint64_t id = 1; id <= 3000; ++id) search.modified[id] = 1000 + random() % 40;
  // Stop after every step and start a new reader from the position it gave.
  ChangePosition position;
  std::vector<std::string> ids;
  for (int runs = 0; runs < 1000; ++runs) {
    ChangeReader reader(position, std::ref(search), 50);
    auto step = reader.next();
    for (const auto &r : step.records) ids.push_back(r.id);
    position = step.position;
    if (step.done) break;
  }
  EXPECT_EQ(ids.size(), 3000u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 3000u);
}

TEST(ChangeReader, ARecordChangedDuringTheReadIsReadAgainNeverSkipped) {
  FakeSearch search;
  for (std::uint64_t id = 1; id <= 1000; ++id) search.modified[id] = 100 + id;
  std::uint64_t touched = 0;
  std::int64_t clock = 5000;
  // Before each query, one object already read moves to "now": offset paging would shift
  // every later record one place and skip one per query.
  search.between_queries = [&] {
    ++touched;
    search.modified[touched] = ++clock;
  };
  ChangePosition position;
  const auto ids = read_all(search, position, 100);
  const std::set<std::string> distinct(ids.begin(), ids.end());
  EXPECT_EQ(distinct.size(), 1000u) << "a record was skipped";
}

TEST(ChangeReader, ARecordLaterModifiedInTheSameMillisecondAsTheLastReadIsFoundNextTime) {
  FakeSearch search;
  search.modified[10] = 700;
  search.modified[11] = 700;
  ChangePosition position;
  EXPECT_EQ(read_all(search, position).size(), 2u);
  EXPECT_EQ(position.modified_ms, 700);
  search.modified[12] = 700;  // same millisecond, a higher ID
  search.modified[3] = 800;
  const auto ids = read_all(search, position);
  EXPECT_EQ(ids, (std::vector<std::string>{"12", "3"}));
}

TEST(ChangeReader, RefusesAServiceThatDoesNotSortAsAsked) {
  ChangeReader reader(
      {},
      [](const ChangeQuery &, int) {
        return std::vector<FoundRecord>{{"1", 20, 0}, {"2", 10, 1}};
      },
      200);
  EXPECT_THROW(reader.next(), std::exception);
}

TEST(ChangeReader, IdsCompareAsNumbers) {
  EXPECT_TRUE(id_less("9", "10"));
  EXPECT_TRUE(id_less("", "1"));
  EXPECT_FALSE(id_less("100", "99"));
}

}  // namespace
}  // namespace junction::crm
