#include "engine/field_names.hpp"

#include <gtest/gtest.h>

namespace junction::engine {
namespace {

const std::vector<std::string> fields = {"Member ID", "First Name", "Family Name", "Email",
                                         "Postcode"};

TEST(FieldNames, AMissingFieldIsMatchedWhateverItsCase) {
  EXPECT_EQ(closest_field("Family name", fields), "Family Name");
  EXPECT_EQ(closest_field("EMAIL", fields), "Email");
}

TEST(FieldNames, ATypoIsMatchedButADifferentWordIsNot) {
  EXPECT_EQ(closest_field("Postcdoe", fields), "Postcode");
  EXPECT_EQ(closest_field("Frist Name", fields), "First Name");
  EXPECT_EQ(closest_field("Phone", fields), std::nullopt);
  EXPECT_EQ(closest_field("City", fields), std::nullopt);
}

TEST(FieldNames, MessagesNameTheFieldAndWhatExists) {
  EXPECT_EQ(field_with_suggestion("Family name", fields),
            "'Family name' (did you mean 'Family Name'?)");
  EXPECT_EQ(field_with_suggestion("Phone", fields), "'Phone'");
  EXPECT_EQ(field_list_text({"a", "b", "c"}, 2), "a, b and 1 more");
  EXPECT_EQ(field_list_text({}), "none");
}

}  // namespace
}  // namespace junction::engine
