// Waits for files to arrive in folders (inotify): a file written and closed, or moved in,
// whose name matches. What a CSV source of a folder, or of one file, waits on between runs.
#pragma once

#include <chrono>
#include <map>
#include <string>

namespace junction::csv {

class FileWatch {
 public:
  FileWatch() = default;
  ~FileWatch();
  FileWatch(const FileWatch &) = delete;
  FileWatch &operator=(const FileWatch &) = delete;

  // True when, within `timeout`, a file matching `pattern` (fnmatch) was closed after
  // writing or moved into `dir`; false on timeout. Throws FatalError or TransientError
  // when the folder cannot be watched.
  bool wait(const std::string &dir, const std::string &pattern, std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
  std::map<std::string, int> watches_;  // folder -> watch descriptor
};

}  // namespace junction::csv
