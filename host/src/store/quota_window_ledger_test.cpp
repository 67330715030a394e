#include "store/quota_window_ledger.hpp"

#include <gtest/gtest.h>

#include <random>
#include <thread>

#include <soci/soci.h>

#include "postgres.hpp"
#include "store/state_store.hpp"
#include "temp_dir.hpp"

namespace junction::store {
namespace {

using namespace std::chrono_literals;

// Two ledgers on one store stand for two processes: together they admit no more than the
// limit in a window, and admit again once the window has moved on.
void two_processes_share_one_window(const StoreLocation &location, const std::string &account) {
  QuotaWindowLedger first(location);
  QuotaWindowLedger second(location);
  EXPECT_FALSE(first.admit(account, 800ms, 5, 3));
  EXPECT_FALSE(second.admit(account, 800ms, 5, 2));
  const auto wait = second.admit(account, 800ms, 5, 1);
  ASSERT_TRUE(wait) << "a sixth request in the window";
  EXPECT_GT(*wait, 0ms);
  EXPECT_LE(*wait, 800ms);
  EXPECT_TRUE(first.admit(account, 800ms, 5, 1));
  EXPECT_FALSE(first.admit(account + "-other", 800ms, 5, 5)) << "accounts are apart";
  std::this_thread::sleep_for(*wait + 50ms);
  EXPECT_FALSE(first.admit(account, 800ms, 5, 1)) << "the window moved on";
}

TEST(QuotaWindowLedger, TwoProcessesOnOneSqliteStoreShareOneWindow) {
  testing::TempDir dir;
  std::string why;
  const auto location = parse_store_location("sqlite:state.db", dir.path(), why);
  ASSERT_TRUE(location) << why;
  // The store holds a run's long write transaction meanwhile: the ledger must not wait
  // for it.
  auto store = StateStore::open(*location);
  store->session() << "BEGIN IMMEDIATE";
  two_processes_share_one_window(*location, "acct");
  store->session() << "ROLLBACK";
}

TEST(QuotaWindowLedger, TwoNodesOnOnePostgresStoreShareOneWindow) {
  JUNCTION_REQUIRE_POSTGRES(url);
  std::string why;
  const auto location = parse_store_location(url, "/", why);
  ASSERT_TRUE(location) << why;
  // The test cluster is shared: an account of its own keeps this test apart.
  two_processes_share_one_window(*location, "acct-" + std::to_string(std::random_device{}()));
}

}  // namespace
}  // namespace junction::store
