#include "csv_writer.hpp"

namespace junction::csv {
void append_field(std::string &out, std::string_view field, const Dialect &dialect) {
  bool needs_quotes = false;
  for (const char c : field) {
    if (c == dialect.delimiter || c == dialect.quote || c == '\n' || c == '\r') {
      needs_quotes = true;
      break;
    }
  }
  if (!needs_quotes) {
    out.append(field);
    return;
  }
  out.push_back(dialect.quote);
  for (const char c : field) {
    if (c == dialect.quote) out.push_back(c);
    out.push_back(c);
  }
  out.push_back(dialect.quote);
}

}  // namespace junction::csv
