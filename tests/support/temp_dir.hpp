// A directory that exists for one test and is removed after it.
#pragma once

#include <filesystem>
#include <string>

namespace junction::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;

  const std::filesystem::path &path() const { return path_; }
  std::filesystem::path operator/(const std::string &name) const { return path_ / name; }

  // Writes `text` to a file below the directory (creating parents); returns its path.
  std::filesystem::path write(const std::string &name, const std::string &text) const;

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path &file);

}  // namespace junction::testing
