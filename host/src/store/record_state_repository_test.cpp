#include "store/record_state_repository.hpp"

#include <gtest/gtest.h>

#include "store/state_store.hpp"
#include "temp_dir.hpp"

namespace junction::store {
namespace {

class RecordStates : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    store_ =
        StateStore::open(*parse_store_location("sqlite:" + (dir_ / "s.db").string(), "/", why));
  }
  testing::TempDir dir_;
  std::unique_ptr<StateStore> store_;
};

TEST_F(RecordStates, LooksUpAnyNumberOfKeys) {
  RecordStateRepository states(store_->session(), "crm", "contacts");
  std::vector<RecordWrite> writes;
  for (int i = 0; i < 250; ++i)
    writes.push_back({"k" + std::to_string(i), "h" + std::to_string(i), "f"});
  states.record_writes(writes, "run-1");
  for (const std::size_t n : {1U, 2U, 99U, 100U, 101U, 250U}) {
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < n; ++i) keys.push_back("k" + std::to_string(i));
    keys.push_back("missing");
    const auto known = states.lookup(keys);
    EXPECT_EQ(known.size(), n) << n << " keys";
    EXPECT_EQ(known.at("k0").written_hash, "h0");
    EXPECT_EQ(known.at("k0").last_seen_run, "run-1");
  }
  EXPECT_EQ(states.lookup({"k7"}).size(), 1U);
  EXPECT_EQ(states.lookup({"k7", "k8"}).size(), 2U);
  RecordStateRepository other(store_->session(), "crm", "companies");
  EXPECT_TRUE(other.lookup({"k0"}).empty());
}

}  // namespace
}  // namespace junction::store
