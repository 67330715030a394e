// A streaming RFC 4180 reader: quoted fields with delimiters, doubled quotes and CR/LF
// inside; LF, CRLF or CR line ends; a missing final newline; a UTF-8 byte order mark.
// Memory is bounded by the longest row, never by the file.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "file_reader.hpp"

namespace junction::csv {

struct Dialect {
  char delimiter = ',';
  char quote = '"';
};

struct Row {
  std::vector<std::string_view> fields;  // valid until the next call to next()
  std::vector<std::uint8_t> quoted;      // 1 where the field was quoted
  std::uint64_t line = 0;                // physical line where the row starts, from 1
  std::uint64_t offset = 0;              // byte offset where the row starts
  std::uint64_t end_offset = 0;          // byte offset just after the row
  std::uint64_t end_line = 0;            // line the next row starts on
  bool spans_lines = false;              // a quoted field held a line break
  std::uint64_t first_line_end = 0;      // offset after the row's first line break, if any
  std::string error;                     // why the row is malformed; empty when fine
  std::string raw;                       // the row's bytes, cut at raw_limit
};

class Parser {
 public:
  static constexpr std::size_t raw_limit = 4096;
  static constexpr std::size_t default_row_limit = std::size_t{16} * 1024 * 1024;

  // Starts at `offset` (0: the file's beginning, where a BOM is skipped), counting lines
  // from `line`.
  Parser(FileReader &reader, Dialect dialect, std::uint64_t offset = 0, std::uint64_t line = 1,
         std::size_t row_limit = default_row_limit);

  // The next row; false at the end of the input. Blank lines are skipped.
  bool next(Row &row);

  // After a malformed row that spanned lines, parse again from the line after its first
  // line, so that one stray quote cannot swallow the rows behind it.
  void resume_after_first_line(const Row &row);

  std::uint64_t offset() const { return reader_.position(); }
  std::uint64_t line() const { return line_; }

 private:
  enum class State { field_start, unquoted, quoted, quote_in_quoted };

  bool parse_row(Row &row);
  // Reads past the rest of a row too long to keep, honouring quotes, from parse_row's
  // state; false when a quoted field is never closed.
  bool skip_rest_of_record(Row &row, State state);

  FileReader &reader_;
  Dialect dialect_;
  std::uint64_t line_;
  std::size_t row_limit_;
  std::array<bool, 256> special_{};      // bytes that end a run of plain field bytes
  std::string buffer_;                   // unescaped field bytes of the current row
  std::vector<std::size_t> field_ends_;  // end of each field in buffer_
};

}  // namespace junction::csv
