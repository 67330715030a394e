// Process-wide logging: readable lines on a terminal, or JSON lines for log collectors.
#pragma once

#include <string>

namespace junction::log {

enum class Format { text, json };

// Returns false (and leaves logging as it was) when `level` is not a known level name.
bool setup_logging(Format format, const std::string &level);

}  // namespace junction::log
