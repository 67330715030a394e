#include "store/commit_writeback.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "postgres.hpp"
#include "store/state_store.hpp"
#include "temp_dir.hpp"

namespace junction::store {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// Waits (at most ten seconds) until `writeback` has done `rounds` rounds.
bool reaches(const CommitWriteback &writeback, int rounds) {
  for (int i = 0; i < 1000 && writeback.rounds() < rounds; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  return writeback.rounds() >= rounds;
}

StoreLocation location(const std::string &url) {
  std::string why;
  const auto parsed = parse_store_location(url, "/", why);
  EXPECT_TRUE(parsed) << why;
  return parsed.value_or(StoreLocation{});
}

TEST(CommitWritebackTest, KeepsNudgingWhileItLivesAndLeavesTheFilesAlone) {
  const testing::TempDir dir;
  const std::string pages(65536, 'p');
  const fs::path db = dir.write("state.db", pages);
  {
    // The WAL does not exist: its nudges do nothing and fail nothing.
    CommitWriteback writeback({db.string() + "-wal", db.string()}, milliseconds(1));
    EXPECT_TRUE(reaches(writeback, 3));
    std::ofstream(db, std::ios::binary | std::ios::app) << "written meanwhile";
    const int before = writeback.rounds();
    EXPECT_TRUE(reaches(writeback, before + 2));  // the file grew: it goes on
  }
  EXPECT_EQ(testing::read_file(db), pages + "written meanwhile");
  EXPECT_FALSE(fs::exists(db.string() + "-wal"));  // not created
}

TEST(CommitWritebackTest, WaitsItsIntervalBetweenRoundsAndStopsAtOnceWhenDestroyed) {
  const testing::TempDir dir;
  {
    CommitWriteback writeback({(dir / "none").string()}, std::chrono::hours(1));
    EXPECT_TRUE(reaches(writeback, 1));  // its first round comes at once
    std::this_thread::sleep_for(milliseconds(50));
    EXPECT_EQ(writeback.rounds(), 1);  // the next one not before the hour
  }
  // A destructor that waited out the hour would hang the test past its time limit.
}

TEST(CommitWritebackTest, ASqliteStoreWritesOutAroundACommitAndPostgresqlLeavesItToTheServer) {
  const testing::TempDir dir;
  const auto store = StateStore::open(location("sqlite:" + (dir / "s.db").string()));
  const auto writeback = store->writeback_while_committing();
  ASSERT_NE(writeback, nullptr);
  EXPECT_TRUE(reaches(*writeback, 1));

  JUNCTION_REQUIRE_POSTGRES(url);
  const auto server = StateStore::open(location(url));
  EXPECT_EQ(server->writeback_while_committing(), nullptr);
}

}  // namespace
}  // namespace junction::store
