// A bounded mutation test of the CSV parser: thousands of inputs derived from a seed
// corpus (the RFC 4180 cases and every input that once broke the parser) by a fixed
// pseudo-random sequence, so each run tests the same inputs. Under ASan and UBSan a memory
// error or overflow fails it; beyond that each input must parse to the same rows whatever
// the reader's buffer size, with offsets that only grow, within the row limit.
#include <gtest/gtest.h>

#include <random>

#include "csv_parser.hpp"
#include "temp_dir.hpp"

namespace junction::csv {
namespace {

// Inputs that once made the parser misbehave, and the shapes around them.
const std::vector<std::string> seeds = {
    "a,b,c\r\n1,2,3\n4,5,6",
    "id,name\n1,\"Lovelace, Ada\"\n2,\"say \"\"hi\"\"\"\n",
    "\xEF\xBB\xBFid,name\r\n1,\"two\r\nlines\"\r\n",
    // A quoted field longer than the row limit holding line breaks: recovery must skip to
    // the end of the record, never deliver the text inside the quotes as rows.
    "id,text\n1,\"" + std::string(200, 'x') + "\nevil,row\nmore\"\n2,ok\n",
    "id,text\n1,\"never closed\n2,b\n3,c\n",
    "a,b\n1,x\"y\n2,\"z\"w\n",
    "\n\n\r\n,,\n\"\",\"\"\n",
    "a;b\n1;\"2;3\"\n",
    std::string("a,b\n1,\0x\n", 9),
    "a,b\n\xff\xfe,\xc3\x28\n",
    "\"a\"\"\",\"\"\"b\"\r\r\n1,2\r",
    std::string(300, ',') + "\n",
};

std::string mutate(std::string input, std::mt19937 &random) {
  static const std::string alphabet("\"\",,;\n\r\r\nab1 \0\xff\xef", 16);
  const auto pick = [&random](std::size_t n) {
    return n == 0 ? std::size_t{0} : std::uniform_int_distribution<std::size_t>(0, n - 1)(random);
  };
  const int steps = 1 + static_cast<int>(pick(4));
  for (int step = 0; step < steps; ++step) {
    const std::size_t at = pick(input.size() + 1);
    switch (pick(5)) {
      case 0:  // insert a byte that matters to CSV
        input.insert(at, 1, alphabet[pick(alphabet.size())]);
        break;
      case 1:  // overwrite one
        if (!input.empty()) input[pick(input.size())] = alphabet[pick(alphabet.size())];
        break;
      case 2:  // delete a run
        if (at < input.size()) input.erase(at, 1 + pick(8));
        break;
      case 3:  // repeat a run
        if (at < input.size()) input.insert(at, input.substr(at, 1 + pick(40)));
        break;
      default:  // splice in another seed
        input.insert(at, seeds[pick(seeds.size())].substr(0, 1 + pick(60)));
        break;
    }
  }
  return input;
}

struct Parsed {
  std::vector<std::vector<std::string>> fields;
  std::vector<std::string> errors;
  std::vector<std::uint64_t> offsets;
  bool operator==(const Parsed &) const = default;
};

// Parses as the source does (resuming after the first line of a malformed row that spans
// lines), checking the invariants of each row as it comes.
Parsed parse(const std::string &file, std::uint64_t size, std::size_t chunk,
             std::size_t row_limit) {
  FileReader reader(file, chunk);
  Parser parser(reader, Dialect{}, 0, 1, row_limit);
  Parsed out;
  Row row;
  std::uint64_t last_offset = 0;
  for (std::uint64_t rows = 0; parser.next(row); ++rows) {
    EXPECT_LE(rows, size) << "more rows than bytes: the parser does not advance";
    if (rows > size) break;
    EXPECT_GE(row.offset, last_offset) << "a row starts before the previous one";
    EXPECT_LE(row.offset, row.end_offset);
    EXPECT_LE(row.end_offset, size);
    EXPECT_LE(row.raw.size(), Parser::raw_limit);
    std::size_t bytes = 0;
    for (const auto field : row.fields) bytes += field.size();
    if (row.error.empty()) {
      EXPECT_LE(bytes, row_limit) << "a row longer than the limit was kept";
    }
    last_offset = row.offset;
    out.fields.emplace_back(row.fields.begin(), row.fields.end());
    out.errors.push_back(row.error);
    out.offsets.push_back(row.offset);
    if (!row.error.empty() && row.spans_lines) parser.resume_after_first_line(row);
  }
  return out;
}

TEST(CsvParserMutations, EveryInputParsesTheSameWhateverTheBufferAndStaysInBounds) {
  junction::testing::TempDir dir;
  std::mt19937 random(20261201);  // fixed: every run tests the same inputs
  constexpr int inputs = 3000;
  for (int i = 0; i < inputs; ++i) {
    const std::string &seed = seeds[static_cast<std::size_t>(i) % seeds.size()];
    const std::string input = i < static_cast<int>(seeds.size()) ? seed : mutate(seed, random);
    const auto file = dir.write("in.csv", input).string();
    const std::size_t row_limit = i % 3 == 0 ? 64 : Parser::default_row_limit;
    const Parsed byte_by_byte = parse(file, input.size(), 1, row_limit);
    const Parsed chunked = parse(file, input.size(), 4096, row_limit);
    ASSERT_TRUE(byte_by_byte == chunked)
        << "input " << i
        << " parses differently with another buffer size: " << ::testing::PrintToString(input);
    ASSERT_FALSE(HasFailure()) << "input " << i << ": " << ::testing::PrintToString(input);
  }
}

}  // namespace
}  // namespace junction::csv
