#include "text_encoding.hpp"

#include <gtest/gtest.h>

namespace junction::csv {
namespace {

TEST(Utf8, AcceptsValidText) {
  EXPECT_EQ(find_invalid_utf8("plain ascii text, long enough for the fast path"),
            std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8("Zoë Łukasz 花子 🙂"), std::string_view::npos);
}

TEST(Utf8, FindsTheFirstInvalidByte) {
  EXPECT_EQ(find_invalid_utf8("caf\xE9 au lait"), 3U);   // Latin-1 é
  EXPECT_EQ(find_invalid_utf8("ab\xC0\xAF"), 2U);        // overlong '/'
  EXPECT_EQ(find_invalid_utf8("\xED\xA0\x80"), 0U);      // a surrogate
  EXPECT_EQ(find_invalid_utf8("ok\xE2\x82"), 2U);        // truncated sequence
  EXPECT_EQ(find_invalid_utf8("\xF4\x90\x80\x80"), 0U);  // past U+10FFFF
}

TEST(Transcoding, ReadsLatin1AndWindows1252) {
  std::string out;
  append_as_utf8("caf\xE9", Encoding::latin1, out);
  EXPECT_EQ(out, "café");
  out.clear();
  append_as_utf8("\x80 \x93quoted\x94 \x81", Encoding::windows1252, out);
  EXPECT_EQ(out, "€ “quoted” \xC2\x81");
}

}  // namespace
}  // namespace junction::csv
