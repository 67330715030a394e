// Checking UTF-8 and turning single-byte Western encodings into it.
#pragma once

#include <string>
#include <string_view>

namespace junction::csv {

enum class Encoding { utf8, latin1, windows1252 };

// Byte offset of the first invalid UTF-8 sequence, or npos when `text` is valid UTF-8
// (overlong forms, surrogates and code points past U+10FFFF are invalid).
std::size_t find_invalid_utf8(std::string_view text);

// Appends `text`, read as ISO-8859-1 or Windows-1252, to `out` as UTF-8.
void append_as_utf8(std::string_view text, Encoding encoding, std::string &out);

}  // namespace junction::csv
