// Writing CSV text: quoting only where needed, values in a stable textual form.
#pragma once

#include <string>
#include <string_view>

#include <junction/value_text.hpp>

#include "csv_parser.hpp"

namespace junction::csv {

// Appends `field`, quoted only if it holds the delimiter, the quote, CR or LF.
void append_field(std::string &out, std::string_view field, const Dialect &dialect);

}  // namespace junction::csv
