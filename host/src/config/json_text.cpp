#include "config/json_text.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace junction::config {
namespace {

// nlohmann reports a byte offset; people want line and column.
std::pair<std::size_t, std::size_t> line_and_column(std::string_view text, std::size_t byte) {
  std::size_t line = 1;
  std::size_t column = 1;
  const std::size_t end = byte > text.size() ? text.size() : byte;
  for (std::size_t i = 0; i + 1 < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

// "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error ..." →
// the part after the position, which is the useful explanation. What the parser "last
// read" can be the rest of the file (an unterminated comment): only its end is quoted.
std::string explanation(const std::string &what) {
  const auto colon = what.find(": ", what.find("parse error"));
  std::string text = colon == std::string::npos ? what : what.substr(colon + 2);
  const std::string marker = "last read: '";
  const auto start = text.find(marker);
  const auto end = start == std::string::npos ? start : text.rfind('\'');
  constexpr std::size_t quoted = 40;
  if (end != std::string::npos && end > start + marker.size() + quoted) {
    const std::size_t from = start + marker.size();
    text = text.substr(0, from) + "..." + text.substr(end - quoted);
  }
  return text;
}

}  // namespace

ParsedJson parse_json_text(std::string_view text, const std::string &file_label) {
  ParsedJson result;
  try {
    result.value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/true,
                                         /*ignore_comments=*/true);
  } catch (const nlohmann::json::parse_error &e) {
    const auto [line, column] = line_and_column(text, e.byte);
    result.error = file_label + ":" + std::to_string(line) + ":" + std::to_string(column) +
                   ": invalid JSON: " + explanation(e.what());
  } catch (const nlohmann::json::out_of_range &e) {
    // A number too large for a double ("1e999"): the parser names the number but not
    // where it is, so the first place the text holds it is given.
    const std::string message = e.what();
    const auto open = message.find('\'');
    const auto close = message.rfind('\'');
    std::string number;
    if (open != std::string::npos && close > open)
      number = message.substr(open + 1, close - open - 1);
    const auto at = number.empty() ? std::string_view::npos : text.find(number);
    const auto [line, column] = line_and_column(text, at == std::string_view::npos ? 0 : at + 1);
    result.error = file_label + ":" + std::to_string(line) + ":" + std::to_string(column) +
                   ": invalid JSON: the number " + excerpt(number, 40) +
                   " is too large to represent";
  }
  return result;
}

ParsedJson read_json_file(const std::filesystem::path &file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    ParsedJson result;
    result.error = file.string() + ": cannot read: " + std::strerror(errno);
    return result;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return parse_json_text(buffer.str(), file.string());
}

std::string excerpt(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return std::string(text);
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  return std::string(text.substr(0, cut)) + "...";
}

std::string describe_json_value(const nlohmann::json &value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return value.get<bool>() ? "true" : "false";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::string: {
      constexpr std::size_t limit = 60;
      const auto &s = value.get_ref<const std::string &>();
      const std::string shown = excerpt(s, limit);
      return "the string " +
             nlohmann::json(shown).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    default: return "the number " + value.dump();
  }
}

}  // namespace junction::config
