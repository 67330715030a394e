#include "store/written_state_codec.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace junction::store {
namespace {

TEST(WrittenStateCodec, AWrittenHashKeepsItsFirstSixtyFourBits) {
  const auto packed = pack_written_hash("8000000000000001ffffffffffffffff");
  ASSERT_TRUE(packed.has_value());
  EXPECT_EQ(static_cast<std::uint64_t>(*packed), 0x8000000000000001ULL);
  EXPECT_EQ(unpack_written_hash(*packed), "8000000000000001");
  EXPECT_EQ(pack_written_hash("deleted"), 0);
  EXPECT_EQ(unpack_written_hash(0), "deleted");
  EXPECT_FALSE(pack_written_hash("").has_value());
  EXPECT_THROW(pack_written_hash("h1"), std::invalid_argument);
  EXPECT_THROW(pack_written_hash("zz00000000000000"), std::invalid_argument);
}

// Two segments: 2 words then 3 words, each word four bytes, after a two-byte count.
TEST(WrittenStateCodec, WrittenFieldsArePackedWordsWithACountPerSegment) {
  const std::string text = "0000000a11111111;0000000bdeadbeef01020304";
  const std::string bytes = pack_written_fields(text);
  ASSERT_EQ(bytes.size(), 2U + 8U + 2U + 12U);
  EXPECT_EQ(to_hex(bytes),
            "00020000000a11111111"
            "00030000000bdeadbeef01020304");
  EXPECT_EQ(unpack_written_fields(bytes), text);
  EXPECT_EQ(pack_written_fields(""), "");
  EXPECT_THROW(pack_written_fields("0000000a1111"), std::invalid_argument);
  EXPECT_THROW(pack_written_fields("0000000a1111111g"), std::invalid_argument);
  EXPECT_THROW(unpack_written_fields(std::string("\x00\x02\x00", 3)), std::invalid_argument);
  EXPECT_THROW(pack_written_fields("0000000a1111111\xff"), std::invalid_argument);
  EXPECT_EQ(pack_written_fields("0000000A1111111F"), pack_written_fields("0000000a1111111f"));
}

TEST(WrittenStateCodec, EveryByteSurvivesHexAndBack) {
  std::string bytes;
  for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
  EXPECT_EQ(from_hex(to_hex(bytes)), bytes);
  EXPECT_THROW(from_hex("0g"), std::invalid_argument);
  EXPECT_THROW(from_hex("abc"), std::invalid_argument);
  EXPECT_EQ(from_hex("0A0b"), std::string("\x0a\x0b"));
}

}  // namespace
}  // namespace junction::store
