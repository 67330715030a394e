#include "engine/key_set.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

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

// Hashes that share their part and bucket, their low 48 bits, or all but one bit, kept
// apart through the merges of the recent table into the sorted parts.
TEST(KeySet, KeepsHashesApartThatShareTheirPartBucketOrLowBits) {
  KeySet keys;
  std::vector<std::uint64_t> hashes;
  for (std::uint64_t i = 1; i <= 3000; ++i) {
    hashes.push_back((std::uint64_t{0xAB} << 56) | (std::uint64_t{0x17} << 48) | i * 977);
    hashes.push_back((i % 256) << 56 | (std::uint64_t{0x42} << 48) | 0x123456789ABCULL);
    hashes.push_back((std::uint64_t{0x01} << 56) | ((i % 256) << 48) | (i << 20));
    hashes.push_back(~std::uint64_t{0} - i);
  }
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  const std::vector<std::uint64_t> sorted = hashes;
  // A fixed shuffle, so that merges see every part and bucket out of order.
  for (std::size_t i = hashes.size() - 1; i > 0; --i) {
    std::swap(hashes[i], hashes[(i * 2654435761U) % (i + 1)]);
  }
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    ASSERT_TRUE(keys.insert_hash(hashes[i])) << i;
    ASSERT_TRUE(keys.contains_hash(hashes[i])) << i;
    if (i % 97 == 0) {
      for (std::size_t j = 0; j <= i; j += 13) ASSERT_FALSE(keys.insert_hash(hashes[j])) << j;
    }
  }
  EXPECT_EQ(keys.size(), hashes.size());
  for (const std::uint64_t h : hashes) {
    EXPECT_TRUE(keys.contains_hash(h));
    // One bit away from a held hash, in its low bits, its bucket or its part.
    for (const int bit : {0, 47, 48, 55, 56, 63}) {
      const std::uint64_t near = h ^ (std::uint64_t{1} << bit);
      if (!std::binary_search(sorted.begin(), sorted.end(), near)) {
        EXPECT_FALSE(keys.contains_hash(near)) << std::hex << h << " bit " << std::dec << bit;
      }
    }
  }
}

TEST(KeySet, KeysAndTheirHashesAreOneSet) {
  KeySet keys;
  EXPECT_TRUE(keys.insert("alpha"));
  EXPECT_TRUE(keys.contains_hash(KeySet::hash_of("alpha")));
  EXPECT_FALSE(keys.insert_hash(KeySet::hash_of("alpha")));
  EXPECT_TRUE(keys.insert_hash(0));  // stands for 1, as hash_of never gives 0
  EXPECT_TRUE(keys.contains_hash(1));
  EXPECT_FALSE(keys.insert_hash(1));
}

// Past 300,000 keys the recent table has grown and merged many times: every key is still
// found once and no absent key is.
TEST(KeySet, HoldsManyKeysThroughManyMerges) {
  KeySet keys;
  for (int i = 0; i < 300000; ++i) ASSERT_TRUE(keys.insert("k" + std::to_string(i))) << i;
  EXPECT_EQ(keys.size(), 300000U);
  for (int i = 0; i < 300000; i += 31) EXPECT_FALSE(keys.insert("k" + std::to_string(i))) << i;
  for (int i = 300000; i < 310000; ++i) EXPECT_FALSE(keys.contains("k" + std::to_string(i)));
  EXPECT_EQ(keys.size(), 300000U);
}

}  // namespace
}  // namespace junction::engine
