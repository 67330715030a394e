#include "engine/text_transforms.hpp"

#include <gtest/gtest.h>

namespace junction::engine {
namespace {

std::string run(Transform t, std::string text, const std::string &country = "GB") {
  const auto problem = apply_transform(t, text, country);
  return problem ? "error: " + *problem : text;
}

TEST(TextTransforms, TrimAndCollapseIncludingNoBreakSpaces) {
  EXPECT_EQ(run(Transform::trim, " \t Ada\xC2\xA0\n"), "Ada");
  EXPECT_EQ(run(Transform::collapse_whitespace, "  Ada   Byron \t King "), "Ada Byron King");
}

TEST(TextTransforms, CaseMappingIsUnicodeAware) {
  EXPECT_EQ(run(Transform::lower, "ÉMILE ŁUKASZ"), "émile łukasz");
  EXPECT_EQ(run(Transform::upper, "straße zoë"), "STRAẞE ZOË");  // utf8proc: capital sharp s
}

TEST(TextTransforms, NfcComposes) {
  EXPECT_EQ(run(Transform::nfc, "Zoe\xCC\x88"), "Zoë");  // e + combining diaeresis
}

TEST(TextTransforms, NormalizesAndChecksEmails) {
  EXPECT_EQ(run(Transform::normalize_email, "  Ada.Lovelace@Example.ORG "),
            "ada.lovelace@example.org");
  EXPECT_EQ(run(Transform::normalize_email, "ada.example.org"),
            "error: is not a valid email address (expected one '@' between a name and a domain)");
  EXPECT_EQ(run(Transform::normalize_email, "ada@localhost"),
            "error: is not a valid email address (the domain 'localhost' has no dot-separated "
            "name)");
  EXPECT_EQ(run(Transform::normalize_email, "ada lovelace@example.org"),
            "error: is not a valid email address (it contains a space)");
}

TEST(TextTransforms, FormatsPhoneNumbersAsE164) {
  EXPECT_EQ(run(Transform::phone_e164, "07400 123456"), "+447400123456");
  EXPECT_EQ(run(Transform::phone_e164, "+33 1 42 68 53 00"), "+33142685300");
  EXPECT_EQ(run(Transform::phone_e164, "12345"),
            "error: is not a valid phone number for default country GB");
  EXPECT_EQ(run(Transform::phone_e164, "07400 123456", ""),
            "error: is not a valid phone number (international numbers need a leading +)");
}

TEST(TextTransforms, MasksAllButTheLastFourCharacters) {
  EXPECT_EQ(run(Transform::mask, "4111111111111111"), "************1111");
  EXPECT_EQ(run(Transform::mask, "abc"), "***");
}

TEST(TextTransforms, CountsAndCutsCharactersNotBytes) {
  EXPECT_EQ(count_characters("Zoë花子"), 5U);
  EXPECT_EQ(first_characters("Zoë花子", 4), "Zoë花");
  EXPECT_EQ(first_characters("abc", 10), "abc");
}

}  // namespace
}  // namespace junction::engine
