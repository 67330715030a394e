#include "engine/sync/normalizers.hpp"

#include <gtest/gtest.h>
#include <utf8proc.h>

#include <cstdlib>

namespace junction::engine::sync {
namespace {

std::optional<std::string> norm(std::string_view v, std::vector<std::string> names) {
  return normalize_for_match(v, names, "GB");
}

TEST(MatchNormalizers, FoldCaseAccentsSpacesAndCompatibilityForms) {
  EXPECT_EQ(norm("  Ann  ", {"trim", "casefold"}), "ann");
  EXPECT_EQ(norm("STRASSE", {"casefold"}), norm("straße", {"casefold"}));
  EXPECT_EQ(norm("Zoë", {"fold_accents", "casefold"}), "zoe");
  EXPECT_EQ(norm("Ｚｏｅ", {"nfkc", "casefold"}), "zoe");  // full-width letters
  EXPECT_EQ(norm("a  b\t c", {"collapse_whitespace"}), "a b c");
  EXPECT_EQ(norm("e\xcc\x81", {"nfc"}), "\xc3\xa9");  // e + combining acute composes
}

TEST(MatchNormalizers, EmailsPhonesAndPostcodesTakeOneCanonicalForm) {
  EXPECT_EQ(norm("  Ann@Example.ORG ", {"email"}), "ann@example.org");
  EXPECT_FALSE(norm("not an address", {"email"}).has_value());
  EXPECT_EQ(norm("020 7946 0018", {"phone_e164"}), "+442079460018");
  EXPECT_EQ(norm("+44 20 7946 0018", {"phone_e164"}), "+442079460018");
  EXPECT_FALSE(norm("call me", {"phone_e164"}).has_value());
  EXPECT_EQ(norm("sw1a 1aa", {"postcode"}), "SW1A1AA");
  EXPECT_EQ(norm(" SW1A-1AA ", {"postcode"}), "SW1A1AA");
}

TEST(MatchNormalizers, NothingLeftMatchesNothing) {
  EXPECT_FALSE(norm("   ", {"trim"}).has_value());
  EXPECT_FALSE(norm("\xff", {"casefold"}).has_value()) << "invalid UTF-8";
  EXPECT_TRUE(is_normalizer("postcode"));
  EXPECT_FALSE(is_normalizer("soundex"));
}

// ASCII text takes a shortcut past utf8proc; it must give what utf8proc gives.
TEST(MatchNormalizers, AsciiIsFoldedExactlyAsUtf8procFoldsIt) {
  std::string every;
  for (int c = 1; c < 128; ++c) every.push_back(static_cast<char>(c));
  const std::pair<const char *, int> cases[] = {
      {"casefold", UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD},
      {"nfc", UTF8PROC_STABLE | UTF8PROC_COMPOSE},
      {"nfkc", UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT},
      {"fold_accents", UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_STRIPMARK}};
  for (const auto &[name, options] : cases) {
    utf8proc_uint8_t *result = nullptr;
    const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t *>(every.data()),
                                static_cast<utf8proc_ssize_t>(every.size()), &result,
                                static_cast<utf8proc_option_t>(options));
    ASSERT_GT(n, 0) << name;
    const std::string expected(reinterpret_cast<const char *>(result), static_cast<std::size_t>(n));
    std::free(result);
    EXPECT_EQ(normalize_for_match(every, {name}, "GB"), expected) << name;
  }
}

}  // namespace
}  // namespace junction::engine::sync
