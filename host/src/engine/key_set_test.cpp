#include "engine/key_set.hpp"

#include <gtest/gtest.h>

#include <string>

namespace junction::engine {
namespace {

TEST(KeySet, HoldsEveryKeyOnceThroughItsGrowth) {
  KeySet keys;
  EXPECT_FALSE(keys.contains("a"));
  for (int i = 0; i < 100000; ++i) ASSERT_TRUE(keys.insert("key-" + std::to_string(i))) << i;
  EXPECT_EQ(keys.size(), 100000U);
  for (int i = 0; i < 100000; i += 7) {
    EXPECT_TRUE(keys.contains("key-" + std::to_string(i))) << i;
    EXPECT_FALSE(keys.insert("key-" + std::to_string(i))) << i;
  }
  for (int i = 100000; i < 101000; ++i) EXPECT_FALSE(keys.contains("key-" + std::to_string(i)));
  EXPECT_EQ(keys.size(), 100000U);
}

TEST(KeySet, TellsTheEmptyKeyFromNoKey) {
  KeySet keys;
  EXPECT_FALSE(keys.contains(""));
  EXPECT_TRUE(keys.insert(""));
  EXPECT_TRUE(keys.contains(""));
  EXPECT_FALSE(keys.insert(""));
}

}  // namespace
}  // namespace junction::engine
