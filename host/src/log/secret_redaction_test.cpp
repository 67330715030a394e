#include "log/secret_redaction.hpp"

#include <ostream>
#include <sstream>

#include <gtest/gtest.h>

namespace junction::log {
namespace {

class SecretRedaction : public ::testing::Test {
 protected:
  void TearDown() override { forget_secrets(); }
};

TEST_F(SecretRedaction, ReplacesEveryOccurrenceWhereverItStands) {
  register_secret("Hunter2Zq9Xw");
  EXPECT_EQ(redact("cannot connect to sqlite:Hunter2Zq9Xw/crm.db"),
            "cannot connect to sqlite:***/crm.db");
  EXPECT_EQ(redact("no file Hunter2Zq9Xw/members.csv; Hunter2Zq9Xw again"),
            "no file ***/members.csv; *** again");
  EXPECT_EQ(redact("nothing secret here"), "nothing secret here");
}

TEST_F(SecretRedaction, CatchesTheEncodedFormsOfAValue) {
  register_secret("p@ss:w\"rd");
  EXPECT_EQ(redact("postgresql://u:p%40ss%3Aw%22rd@db/x"), "postgresql://u:***@db/x");
  EXPECT_EQ(redact("{\"password\":\"p@ss:w\\\"rd\"}"), "{\"password\":\"***\"}");
  EXPECT_EQ(redact("password p@ss:w\"rd"), "password ***");
}

TEST_F(SecretRedaction, ALongerSecretIsReplacedWholeBeforeAShorterOneInsideIt) {
  register_secret("abcd");
  register_secret("xxabcdxx");
  EXPECT_EQ(redact("[xxabcdxx] [abcd]"), "[***] [***]");
}

TEST_F(SecretRedaction, ValuesTooShortToMaskAreIgnored) {
  register_secret("ab");
  EXPECT_EQ(redact("abab"), "abab");
}

TEST_F(SecretRedaction, AStreamIsRedactedEvenWhenASecretIsSplitAcrossWrites) {
  register_secret("Hunter2Zq9Xw");
  std::ostringstream target;
  {
    RedactingStreambuf buffer(target.rdbuf());
    std::ostream out(&buffer);
    out << "a Hunt"
        << "er2Zq";
    out << "9Xw b\nsecond Hunter2Zq9Xw";
  }
  EXPECT_EQ(target.str(), "a *** b\nsecond ***");
}

}  // namespace
}  // namespace junction::log
