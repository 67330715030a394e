// Where the build put what the tests use; set by CMake.
#pragma once

#include <filesystem>

namespace junction::testing {

inline std::filesystem::path junction_binary() {
  return JUNCTION_TEST_BINARY;
}
inline std::filesystem::path test_plugin_dir() {
  return JUNCTION_TEST_PLUGIN_DIR_PATH;
}
inline std::filesystem::path built_plugin_dir() {
  return JUNCTION_BUILT_PLUGIN_DIR;
}
inline std::filesystem::path source_dir() {
  return JUNCTION_SOURCE_DIR;
}

}  // namespace junction::testing
