#include "csv_parser.hpp"

#include <gtest/gtest.h>

#include "temp_dir.hpp"

namespace junction::csv {
namespace {

struct ParsedRow {
  std::vector<std::string> fields;
  std::uint64_t line;
  std::string error;
};

std::vector<ParsedRow> parse(const std::string &text, Dialect dialect = {},
                             std::size_t row_limit = Parser::default_row_limit) {
  junction::testing::TempDir dir;
  const auto file = dir.write("in.csv", text);
  FileReader reader(file.string(), 7);  // a tiny chunk exercises every buffer boundary
  Parser parser(reader, dialect, 0, 1, row_limit);
  std::vector<ParsedRow> rows;
  Row row;
  while (parser.next(row)) {
    rows.push_back(
        {std::vector<std::string>(row.fields.begin(), row.fields.end()), row.line, row.error});
    if (!row.error.empty() && row.spans_lines) parser.resume_after_first_line(row);
  }
  return rows;
}

using Fields = std::vector<std::string>;

TEST(CsvParser, ReadsPlainRowsWithLfCrlfAndNoFinalNewline) {
  const auto rows = parse("a,b,c\r\n1,2,3\n4,5,6");
  ASSERT_EQ(rows.size(), 3U);
  EXPECT_EQ(rows[0].fields, (Fields{"a", "b", "c"}));
  EXPECT_EQ(rows[1].fields, (Fields{"1", "2", "3"}));
  EXPECT_EQ(rows[2].fields, (Fields{"4", "5", "6"}));
  EXPECT_EQ(rows[2].line, 3U);
}

TEST(CsvParser, ReadsQuotedDelimitersQuotesAndLineBreaks) {
  const auto rows =
      parse("\"a,b\",\"say \"\"hi\"\"\",\"line1\nline2\",\"cr\r\nlf\"\nnext,row,x,y\n");
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(rows[0].fields, (Fields{"a,b", "say \"hi\"", "line1\nline2", "cr\r\nlf"}));
  EXPECT_EQ(rows[1].line, 4U);  // the first row spans lines 1 to 3
}

TEST(CsvParser, SkipsAByteOrderMarkAndBlankLines) {
  const auto rows = parse("\xEF\xBB\xBFid,name\n\n1,Ada\n\r\n2,Grace\n\n");
  ASSERT_EQ(rows.size(), 3U);
  EXPECT_EQ(rows[0].fields, (Fields{"id", "name"}));
  EXPECT_EQ(rows[2].fields, (Fields{"2", "Grace"}));
  EXPECT_EQ(rows[2].line, 5U);
}

TEST(CsvParser, KeepsEmptyFieldsAndTrailingDelimiters) {
  const auto rows = parse(",,\n\"\",x,\n");
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(rows[0].fields, (Fields{"", "", ""}));
  EXPECT_EQ(rows[1].fields, (Fields{"", "x", ""}));
}

TEST(CsvParser, UsesAnotherDelimiterAndQuote) {
  const auto rows = parse("a;'b;c';'it''s'\n", Dialect{';', '\''});
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].fields, (Fields{"a", "b;c", "it's"}));
}

TEST(CsvParser, KeepsAQuoteInsideAnUnquotedField) {
  const auto rows = parse("12\" vinyl,x\n");
  EXPECT_EQ(rows.at(0).fields, (Fields{"12\" vinyl", "x"}));
}

TEST(CsvParser, ReportsTextAfterAClosingQuoteAndGoesOn) {
  const auto rows = parse("1,\"Smith\"son,x\n2,ok,y\n");
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(rows[0].error,
            "unexpected character 's' after a closing quote (a quote inside a quoted field must "
            "be doubled)");
  EXPECT_EQ(rows[1].fields, (Fields{"2", "ok", "y"}));
  EXPECT_EQ(rows[1].line, 2U);
}

TEST(CsvParser, AnUnterminatedQuoteDoesNotSwallowTheRowsBehindIt) {
  const auto rows = parse("id,name\n1,\"Smith, John\n2,Ada\n3,Grace\n");
  ASSERT_EQ(rows.size(), 4U);
  EXPECT_EQ(rows[1].line, 2U);
  EXPECT_EQ(rows[1].error, "unterminated quoted field (it starts on line 2 and is never closed)");
  EXPECT_EQ(rows[2].fields, (Fields{"2", "Ada"}));
  EXPECT_EQ(rows[2].line, 3U);
  EXPECT_EQ(rows[3].fields, (Fields{"3", "Grace"}));
}

TEST(CsvParser, AStrayQuoteClosedLaterIsReportedAndTheRowsBetweenAreKept) {
  const auto rows = parse("1,\"abc\n2,x\n3,\"q\" z\n4,y\n");
  // Row 1 runs into line 3's quote and breaks there; parsing resumes on line 2.
  ASSERT_GE(rows.size(), 4U);
  EXPECT_FALSE(rows[0].error.empty());
  EXPECT_EQ(rows[1].fields, (Fields{"2", "x"}));
  EXPECT_EQ(rows.back().fields, (Fields{"4", "y"}));
}

TEST(CsvParser, BoundsTheLengthOfARow) {
  junction::testing::TempDir dir;
  const auto file = dir.write("in.csv", std::string(100, 'x') + "\nok\n");
  FileReader reader(file.string());
  Parser parser(reader, Dialect{}, 0, 1, 10);
  Row row;
  ASSERT_TRUE(parser.next(row));
  EXPECT_EQ(row.error, "row longer than 10 bytes (the entity's max_row_bytes)");
  ASSERT_TRUE(parser.next(row));
  EXPECT_EQ(row.fields.at(0), "ok");
  EXPECT_EQ(row.line, 2U);
}

TEST(CsvParser, ATooLongQuotedFieldNeverBecomesRows) {
  const auto rows =
      parse("1,\"" + std::string(100, 'x') + "\nevil,row\nmore \"\"text\"\"\",z\n2,fine\n", {}, 50);
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_NE(rows[0].error.find("row longer than 50 bytes"), std::string::npos);
  EXPECT_EQ(rows[0].line, 1U);
  EXPECT_EQ(rows[1].fields, (Fields{"2", "fine"}));
  EXPECT_EQ(rows[1].line, 4U);
  EXPECT_TRUE(rows[1].error.empty());
}

TEST(CsvParser, ATooLongRowWithAQuoteNeverClosedResumesOnItsSecondLine) {
  // A stray quote must not swallow the rows behind it, whatever the row's length.
  const auto rows = parse("1,\"" + std::string(60, 'x') + "\n2,b\n3,c\n", {}, 50);
  ASSERT_EQ(rows.size(), 3U);
  EXPECT_NE(rows[0].error.find("unterminated quoted field"), std::string::npos);
  EXPECT_EQ(rows[1].fields, (Fields{"2", "b"}));
  EXPECT_EQ(rows[2].fields, (Fields{"3", "c"}));
}

TEST(CsvParser, ResumesAtAnOffset) {
  junction::testing::TempDir dir;
  const auto file = dir.write("in.csv", "a,b\n1,2\n3,4\n");
  FileReader reader(file.string());
  Parser parser(reader, Dialect{}, 8, 3);
  Row row;
  ASSERT_TRUE(parser.next(row));
  EXPECT_EQ(row.fields.at(0), "3");
  EXPECT_EQ(row.line, 3U);
  EXPECT_FALSE(parser.next(row));
}

}  // namespace
}  // namespace junction::csv
