#include "engine/written_fields.hpp"

#include <map>

#include <gtest/gtest.h>

namespace junction::engine {
namespace {

// Segments written by hand: list hash, then one 8-digit hash per field.
const std::vector<std::string> list_a = {"email", "name"};   // "aaaaaaaa"
const std::vector<std::string> list_b = {"email", "phone"};  // "bbbbbbbb"

const std::vector<std::string> *lists(std::string_view hash) {
  if (hash == "aaaaaaaa") return &list_a;
  if (hash == "bbbbbbbb") return &list_b;
  return nullptr;
}

TEST(WrittenFields, TwoFlowsWritingDifferentFieldsEachFindTheirOwnUnchanged) {
  const std::string a =
      "aaaaaaaa"
      "11111111"
      "22222222";
  const std::string b =
      "bbbbbbbb"
      "11111111"
      "33333333";
  std::string written = merge_written_fields("", a);
  written = merge_written_fields(written, b);
  EXPECT_EQ(written, b + ";" + a);
  EXPECT_TRUE(compare_written_fields(written, a, list_a, lists).all_equal);
  EXPECT_TRUE(compare_written_fields(written, b, list_b, lists).all_equal);
  // Flow A writes again: its segment moves first, B's stays.
  EXPECT_EQ(merge_written_fields(written, a), a + ";" + b);
}

TEST(WrittenFields, AFieldIsComparedWithItsMostRecentWrite) {
  // B changed the email after A wrote it: A's email now differs from what the target holds.
  const std::string a =
      "aaaaaaaa"
      "11111111"
      "22222222";
  const std::string b =
      "bbbbbbbb"
      "99999999"
      "33333333";
  const std::string written = merge_written_fields(a, b);
  const auto d = compare_written_fields(written, a, list_a, lists);
  EXPECT_FALSE(d.all_equal);
  EXPECT_EQ(d.changed, std::vector<std::size_t>{0});
}

TEST(WrittenFields, FieldsNeverWrittenOrOfAnUnknownListAreChanged) {
  const std::string a =
      "aaaaaaaa"
      "11111111"
      "22222222";
  EXPECT_EQ(compare_written_fields("", a, list_a, lists).changed, (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(compare_written_fields("cccccccc"
                                   "11111111",
                                   a, list_a, lists)
                .changed,
            (std::vector<std::size_t>{0, 1}));
  // A malformed segment is ignored, never read past its end.
  EXPECT_EQ(compare_written_fields("bbbbbbbb"
                                   "1111",
                                   a, list_a, lists)
                .changed,
            (std::vector<std::size_t>{0, 1}));
}

TEST(WrittenFields, KeepsABoundedNumberOfSegments) {
  std::string written;
  for (char c = 'a'; c <= 'z'; ++c) written = merge_written_fields(written, std::string(16, c), 4);
  EXPECT_EQ(written, std::string(16, 'z') + ";" + std::string(16, 'y') + ";" +
                         std::string(16, 'x') + ";" + std::string(16, 'w'));
}

}  // namespace
}  // namespace junction::engine
