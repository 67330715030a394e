#include "engine/sync/link_codec.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace junction::engine::sync {
namespace {

LinkState sample() {
  LinkState link;
  link.id = 42;
  MemberState a;
  a.key = "c-1";
  a.known = {0x0123456789abcdefULL, std::nullopt, 0xffffffffffffffffULL};
  MemberState b;
  b.key =
      "ann@x.org\x1f"
      "2";
  b.known = {1, 2, 3};
  b.deleted = true;
  link.members = {a, std::nullopt, b};
  link.base = {Value("Zoë \"Z\" \\ O'Neil\n\ttab\x01"), std::nullopt, Value("")};
  link.held = {false, true, false};
  return link;
}

TEST(LinkCodec, EncodesValidJsonThatDecodesToTheSameLink) {
  const LinkState link = sample();
  const std::string text = encode_link(link);
  EXPECT_FALSE(nlohmann::json::parse(text, nullptr, false).is_discarded()) << text;
  const LinkState back = decode_link(42, text, 3, 3);
  ASSERT_TRUE(back.members[0]);
  EXPECT_EQ(back.members[0]->key, "c-1");
  EXPECT_EQ(back.members[0]->known, link.members[0]->known);
  EXPECT_FALSE(back.members[1]);
  ASSERT_TRUE(back.members[2]);
  EXPECT_EQ(back.members[2]->key, link.members[2]->key);
  EXPECT_TRUE(back.members[2]->deleted);
  EXPECT_EQ(back.base, link.base);
  EXPECT_EQ(back.held, link.held);
  EXPECT_FALSE(back.deleted);
}

TEST(LinkCodec, ASettledFieldTakesOneCharacter) {
  LinkState link;
  link.id = 1;
  link.base = {Value("Ann"), Value("Leeds"), std::nullopt};
  link.held = {false, false, false};
  MemberState m;
  m.key = "k";
  m.known = {value_hash(link.base[0]), value_hash(Value("York")), value_hash(std::nullopt)};
  link.members = {m};
  const std::string text = encode_link(link);
  EXPECT_NE(text.find(R"(["k","=)"), std::string::npos) << text;
  EXPECT_EQ(text, R"({"m":[["k","=ImZwFaxAt0s=",false]],"b":["Ann","Leeds",null]})");
  const LinkState back = decode_link(1, text, 1, 3);
  ASSERT_TRUE(back.members[0]);
  EXPECT_EQ(back.members[0]->known, m.known);
}

TEST(LinkCodec, ReadsLinksWrittenWithHashesAsAnArray) {
  const std::string older =
      R"({"m":[["c-1",["0123456789abcdef",null],false],null],"b":["Ann",null],"h":[1],"d":true})";
  const LinkState link = decode_link(7, older, 2, 2);
  ASSERT_TRUE(link.members[0]);
  EXPECT_EQ(link.members[0]->known[0], 0x0123456789abcdefULL);
  EXPECT_FALSE(link.members[0]->known[1]);
  EXPECT_TRUE(link.held[1]);
  EXPECT_TRUE(link.deleted);
}

TEST(LinkCodec, RefusesAValueThatIsNotUtf8) {
  LinkState link = sample();
  link.base[0] = Value(std::string("caf\xe9"));
  EXPECT_THROW(encode_link(link), std::runtime_error);
}

}  // namespace
}  // namespace junction::engine::sync
