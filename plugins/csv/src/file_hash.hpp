// Content hash of a whole file (XXH3-128, hex), to know a file seen before.
#pragma once

#include <string>

namespace junction::csv {

std::string hash_file(const std::string &path);

}  // namespace junction::csv
