// Times as the state store keeps them: ISO 8601 UTC text with microseconds.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace junction::store {

std::string utc_text(std::chrono::system_clock::time_point time);
std::string utc_now_text();
// Reads what utc_text wrote (fraction optional); nullopt for anything else.
std::optional<std::chrono::system_clock::time_point> parse_utc_text(const std::string &text);

}  // namespace junction::store
