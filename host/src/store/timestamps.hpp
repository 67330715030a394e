// Times as the state store keeps them: ISO 8601 UTC text with microseconds.
#pragma once

#include <chrono>
#include <string>

namespace junction::store {

std::string utc_text(std::chrono::system_clock::time_point time);
std::string utc_now_text();

}  // namespace junction::store
