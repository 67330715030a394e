#include "engine/sync/normalizers.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace junction::engine::sync
