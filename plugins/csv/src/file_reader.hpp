// Buffered sequential reading of a file with a known position, and a way back to any
// earlier offset. Reads large chunks so per-byte work stays in memory.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace junction::csv {

class FileReader {
 public:
  // Throws std::runtime_error naming the file when it cannot be opened.
  explicit FileReader(const std::string &path, std::size_t chunk = 1U << 20);
  ~FileReader();
  FileReader(const FileReader &) = delete;
  FileReader &operator=(const FileReader &) = delete;

  // The next byte, or -1 at the end of the file.
  int get() {
    if (pos_ == end_ && !fill()) return -1;
    return static_cast<unsigned char>(buffer_[pos_++]);
  }
  // The byte get() would return, without consuming it.
  int peek() {
    if (pos_ == end_ && !fill()) return -1;
    return static_cast<unsigned char>(buffer_[pos_]);
  }
  // The bytes already buffered after the position (may be empty), and a way past them:
  // for scanning runs of plain bytes at once.
  std::string_view buffered() const { return {buffer_.data() + pos_, end_ - pos_}; }
  void skip(std::size_t n) { pos_ += n; }
  std::uint64_t position() const { return base_ + pos_; }
  void seek(std::uint64_t offset);
  const std::string &path() const { return path_; }

 private:
  bool fill();

  std::string path_;
  int fd_ = -1;
  std::vector<char> buffer_;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  std::uint64_t base_ = 0;  // file offset of buffer_[0]
};

}  // namespace junction::csv
