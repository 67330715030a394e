#include "store/commit_writeback.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "postgres.hpp"
#include "store/state_store.hpp"

namespace junction::store {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

class CommitWritebackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("junction-commit-writeback-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string read(const fs::path &file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // Waits (at most ten seconds) until `writeback` has done `rounds` rounds.
  static bool reaches(const CommitWriteback &writeback, int rounds) {
    for (int i = 0; i < 1000 && writeback.rounds() < rounds; ++i) {
      std::this_thread::sleep_for(milliseconds(10));
    }
    return writeback.rounds() >= rounds;
  }

  fs::path dir_;
};

TEST_F(CommitWritebackTest, KeepsNudgingWhileItLivesAndLeavesTheFilesAlone) {
  const fs::path db = dir_ / "state.db";
  const std::string pages(65536, 'p');
  std::ofstream(db, std::ios::binary) << pages;
  {
    // The WAL does not exist: its nudges do nothing and fail nothing.
    CommitWriteback writeback({db.string() + "-wal", db.string()}, milliseconds(1));
    EXPECT_TRUE(reaches(writeback, 3));
    std::ofstream(db, std::ios::binary | std::ios::app) << "written meanwhile";
    const int before = writeback.rounds();
    EXPECT_TRUE(reaches(writeback, before + 2));  // the file grew: it goes on
  }
  EXPECT_EQ(read(db), pages + "written meanwhile");
  EXPECT_FALSE(fs::exists(db.string() + "-wal"));  // not created
}

TEST_F(CommitWritebackTest, StopsAtOnceWhenDestroyedWhateverItsInterval) {
  const auto started = std::chrono::steady_clock::now();
  {
    CommitWriteback writeback({(dir_ / "none").string()}, std::chrono::hours(1));
    EXPECT_TRUE(reaches(writeback, 1));  // its first round comes at once
  }
  // Destroyed within the hour it would otherwise wait: the test would hang, not fail.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::hours(1));
}

StoreLocation location(const std::string &url) {
  std::string why;
  const auto parsed = parse_store_location(url, "/", why);
  EXPECT_TRUE(parsed) << why;
  return parsed.value_or(StoreLocation{});
}

TEST_F(CommitWritebackTest, ASqliteStoreWritesOutAroundACommitAndPostgresqlLeavesItToTheServer) {
  const auto store = StateStore::open(location("sqlite:" + (dir_ / "s.db").string()));
  const auto writeback = store->writeback_while_committing();
  ASSERT_NE(writeback, nullptr);
  EXPECT_TRUE(reaches(*writeback, 1));

  JUNCTION_REQUIRE_POSTGRES(url);
  const auto server = StateStore::open(location(url));
  EXPECT_EQ(server->writeback_while_committing(), nullptr);
}

}  // namespace
}  // namespace junction::store
