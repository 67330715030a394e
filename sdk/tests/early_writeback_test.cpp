#include "junction/early_writeback.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace junction {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

class EarlyWritebackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("junction-writeback-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static void append(const fs::path &file, const std::string &text) {
    std::ofstream out(file, std::ios::app | std::ios::binary);
    out << text;
  }
  static std::string read(const fs::path &file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  fs::path dir_;
};

#ifdef __linux__

TEST_F(EarlyWritebackTest, StartsOnAFileOnceItExistsAndLeavesItsContentAlone) {
  const fs::path wal = dir_ / "store.db-wal";
  EarlyWriteback writeback(wal.string(), milliseconds(0));
  EXPECT_FALSE(writeback.nudge());  // not there yet: nothing to do, no error
  EXPECT_FALSE(fs::exists(wal));    // and not created by the nudge
  const std::string page(32768, 'x');  // eight pages
  append(wal, page);
  EXPECT_TRUE(writeback.nudge());
  append(wal, "more");
  EXPECT_TRUE(writeback.nudge());
  EXPECT_EQ(read(wal), page + "more");
}

TEST_F(EarlyWritebackTest, NudgesAtMostOncePerInterval) {
  const fs::path file = dir_ / "target.db";
  append(file, std::string(4096, 'y'));
  EarlyWriteback writeback(file.string(), std::chrono::hours(1));
  EXPECT_TRUE(writeback.nudge());
  append(file, std::string(4096, 'z'));
  EXPECT_FALSE(writeback.nudge());  // within the hour: left to the kernel or the commit
}

TEST_F(EarlyWritebackTest, DoesNotFollowASymbolicLink) {
  const fs::path real = dir_ / "elsewhere.db";
  append(real, std::string(4096, 'w'));
  const fs::path link = dir_ / "store.db-wal";
  fs::create_symlink(real, link);
  EarlyWriteback writeback(link.string(), milliseconds(0));
  EXPECT_FALSE(writeback.nudge());
}

#endif

}  // namespace
}  // namespace junction
