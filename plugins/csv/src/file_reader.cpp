#include "file_reader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <junction/errors.hpp>

namespace junction::csv {

FileReader::FileReader(const std::string &path, std::size_t chunk) : path_(path), buffer_(chunk) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw_os_error("cannot open " + path, errno);
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
}

FileReader::~FileReader() {
  if (fd_ >= 0) ::close(fd_);
}

bool FileReader::fill() {
  base_ += end_;
  pos_ = 0;
  end_ = 0;
  for (;;) {
    const ssize_t n = ::read(fd_, buffer_.data(), buffer_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_os_error("cannot read " + path_, errno);
    end_ = static_cast<std::size_t>(n);
    return n > 0;
  }
}

void FileReader::seek(std::uint64_t offset) {
  if (offset >= base_ && offset <= base_ + end_) {
    pos_ = static_cast<std::size_t>(offset - base_);
    return;
  }
  if (::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0) {
    throw_os_error("cannot seek in " + path_, errno);
  }
  base_ = offset;
  pos_ = 0;
  end_ = 0;
}

}  // namespace junction::csv
