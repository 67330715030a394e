#include "csv_parser.hpp"

#include <algorithm>

namespace junction::csv {

Parser::Parser(FileReader &reader, Dialect dialect, std::uint64_t offset, std::uint64_t line,
               std::size_t row_limit)
    : reader_(reader), dialect_(dialect), line_(line), row_limit_(row_limit) {
  for (const char c : {dialect_.delimiter, dialect_.quote, '\n', '\r'}) {
    special_[static_cast<unsigned char>(c)] = true;
  }
  reader_.seek(offset);
  if (offset == 0 && reader_.peek() == 0xEF) {
    // Skip a UTF-8 byte order mark, and only a whole one.
    reader_.get();
    if (reader_.get() != 0xBB || reader_.get() != 0xBF) reader_.seek(0);
  }
}

bool Parser::next(Row &row) {
  for (;;) {
    const int c = reader_.peek();
    if (c < 0) return false;
    if (c == '\n' || c == '\r') {  // a blank line
      reader_.get();
      if (c == '\r' && reader_.peek() == '\n') reader_.get();
      ++line_;
      continue;
    }
    return parse_row(row);
  }
}

bool Parser::parse_row(Row &row) {
  row.fields.clear();
  row.quoted.clear();
  row.error.clear();
  row.raw.clear();
  row.spans_lines = false;
  row.line = line_;
  row.offset = reader_.position();
  buffer_.clear();
  field_ends_.clear();
  row.first_line_end = 0;

  State state = State::field_start;
  bool field_quoted = false;
  bool done = false;
  auto keep_raw = [&](int c) {
    if (row.raw.size() < raw_limit) row.raw.push_back(static_cast<char>(c));
  };
  auto end_field = [&] {
    field_ends_.push_back(buffer_.size());
    row.quoted.push_back(field_quoted ? 1 : 0);
    field_quoted = false;
  };
  auto line_break = [&](int c) {
    // CRLF counts once; a lone CR is a line end too.
    if (c == '\r' && reader_.peek() == '\n') {
      reader_.get();
      keep_raw('\n');
    }
    ++line_;
    if (row.first_line_end == 0) row.first_line_end = reader_.position();
  };

  // A delimiter ends the field; a line break or the end of the input ends the row too.
  auto ends_field = [&](int c) {
    if (c == dialect_.delimiter) {
      end_field();
      state = State::field_start;
      return true;
    }
    if (c == '\n' || c == '\r' || c < 0) {
      end_field();
      if (c >= 0) line_break(c);
      done = true;
      return true;
    }
    return false;
  };

  while (!done) {
    if (buffer_.size() > row_limit_) {
      row.error =
          "row longer than " + std::to_string(row_limit_) + " bytes (the entity's max_row_bytes)";
      // Skip to the end of this record, not of the physical line: text inside a quoted
      // field must never be read as rows of its own.
      if (!skip_rest_of_record(row, state)) {
        row.error = "unterminated quoted field (it starts on line " + std::to_string(row.line) +
                    " and is never closed) in a row longer than " + std::to_string(row_limit_) +
                    " bytes";
        row.spans_lines = row.first_line_end != 0;
      }
      break;
    }
    if (state == State::unquoted || state == State::quoted) {
      // The bytes up to the next delimiter, quote or line break go in at once.
      const std::string_view ahead = reader_.buffered();
      std::size_t n = 0;
      while (n < ahead.size() && !special_[static_cast<unsigned char>(ahead[n])]) ++n;
      if (n > 0) {
        buffer_.append(ahead.data(), n);
        if (row.raw.size() < raw_limit) {
          row.raw.append(ahead.data(), std::min(n, raw_limit - row.raw.size()));
        }
        reader_.skip(n);
        continue;
      }
    }
    const int c = reader_.get();
    if (c >= 0) keep_raw(c);
    switch (state) {
      case State::field_start:
        if (c == dialect_.quote) {
          state = State::quoted;
          field_quoted = true;
        } else if (!ends_field(c)) {
          buffer_.push_back(static_cast<char>(c));
          state = State::unquoted;
        }
        break;
      case State::unquoted:
        if (!ends_field(c)) {
          // A quote inside an unquoted field (12" record) is kept as it is.
          buffer_.push_back(static_cast<char>(c));
        }
        break;
      case State::quoted:
        if (c < 0) {
          row.error = "unterminated quoted field (it starts on line " + std::to_string(row.line) +
                      " and is never closed)";
          end_field();
          done = true;
        } else if (c == dialect_.quote) {
          state = State::quote_in_quoted;
        } else {
          if (c == '\n' || c == '\r') {
            row.spans_lines = true;
            if (c == '\r' && reader_.peek() == '\n') {
              buffer_.push_back('\r');
              reader_.get();
              keep_raw('\n');
              buffer_.push_back('\n');
            } else {
              buffer_.push_back(static_cast<char>(c));
            }
            ++line_;
            if (row.first_line_end == 0) row.first_line_end = reader_.position();
          } else {
            buffer_.push_back(static_cast<char>(c));
          }
        }
        break;
      case State::quote_in_quoted:
        if (c == dialect_.quote) {  // a doubled quote stands for one
          buffer_.push_back(static_cast<char>(c));
          state = State::quoted;
        } else if (!ends_field(c)) {
          row.error = std::string("unexpected character '") + static_cast<char>(c) +
                      "' after a closing quote (a quote inside a quoted field must be doubled)";
          // Consume the rest of the physical line as part of this bad row.
          int d = reader_.get();
          while (d >= 0 && d != '\n' && d != '\r') {
            keep_raw(d);
            d = reader_.get();
          }
          if (d >= 0) line_break(d);
          end_field();
          done = true;
        }
        break;
    }
  }

  row.end_offset = reader_.position();
  row.end_line = line_;
  std::size_t start = 0;
  for (const std::size_t end : field_ends_) {
    row.fields.emplace_back(buffer_.data() + start, end - start);
    start = end;
  }
  while (!row.raw.empty() && (row.raw.back() == '\n' || row.raw.back() == '\r')) {
    row.raw.pop_back();
  }
  return true;
}

bool Parser::skip_rest_of_record(Row &row, State state) {
  using enum State;
  for (;;) {
    const int c = reader_.get();
    if (c < 0) return state != quoted;
    if (c == '\n' || c == '\r') {
      if (c == '\r' && reader_.peek() == '\n') reader_.get();
      ++line_;
      if (row.first_line_end == 0) row.first_line_end = reader_.position();
      if (state != quoted) return true;
      continue;
    }
    if (state == quoted) {
      if (c == dialect_.quote) state = quote_in_quoted;
    } else if (state == quote_in_quoted) {
      state = c == dialect_.quote ? quoted : c == dialect_.delimiter ? field_start : unquoted;
    } else if (c == dialect_.delimiter) {
      state = field_start;
    } else if (state == field_start) {
      state = c == dialect_.quote ? quoted : unquoted;
    }
  }
}

void Parser::resume_after_first_line(const Row &row) {
  if (row.first_line_end == 0 || row.offset >= row.first_line_end) return;
  reader_.seek(row.first_line_end);
  line_ = row.line + 1;
}

}  // namespace junction::csv
