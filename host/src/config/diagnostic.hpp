// One problem found in an input file, located by JSON pointer (or line and column).
#pragma once

#include <string>
#include <vector>

namespace junction::config {

struct Diagnostic {
  std::string file;
  std::string pointer;  // JSON pointer; "" is the document itself
  std::string message;

  // "FILE: /json/pointer: message"
  std::string to_string() const {
    if (file.empty()) return message;  // already located, e.g. "FILE:LINE:COLUMN: ..."
    return file + ": " + (pointer.empty() ? std::string("/") : pointer) + ": " + message;
  }
};

using Diagnostics = std::vector<Diagnostic>;

}  // namespace junction::config
