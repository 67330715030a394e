// Reading JSON documents that may carry // and /* */ comments, with located syntax errors.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace junction::config {

struct ParsedJson {
  nlohmann::json value;
  std::optional<std::string> error;  // "FILE:LINE:COLUMN: what is wrong"
};

ParsedJson parse_json_text(std::string_view text, const std::string &file_label);

// Reads and parses a file; a read failure is reported like a syntax error.
ParsedJson read_json_file(const std::filesystem::path &file);

// At most `limit` bytes of `text` (never half a UTF-8 character), "..." when cut.
std::string excerpt(std::string_view text, std::size_t limit);

// A short, safe rendering of a value for messages: strings quoted and cut, containers
// named by kind.
std::string describe_json_value(const nlohmann::json &value);

}  // namespace junction::config
