// Writing CSV text: quoting only where needed, values in a stable textual form.
#pragma once

#include <string>
#include <string_view>

#include <junction/value.hpp>

#include "csv_parser.hpp"

namespace junction::csv {

// Appends `field`, quoted only if it holds the delimiter, the quote, CR or LF.
void append_field(std::string &out, std::string_view field, const Dialect &dialect);

// The text of a value as a CSV cell: null and absent are empty; timestamps ISO 8601 UTC
// with microseconds when present; dates YYYY-MM-DD; booleans true/false.
void append_value_text(std::string &out, const Value &value);

}  // namespace junction::csv
