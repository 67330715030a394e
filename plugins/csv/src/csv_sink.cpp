#include "csv_sink.hpp"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string_view>
#include <unordered_map>

#include <junction/errors.hpp>

#include "csv_writer.hpp"

namespace junction::csv {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t flush_threshold = 1U << 20;

// "YYYYMMDD|HHMMSS" in UTC.
std::string utc_stamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::snprintf(text, sizeof text, "%04d%02d%02d|%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return text;
}

void replace_all(std::string &text, const std::string &from, const std::string &to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

void write_all(int fd, const std::string &data, const std::string &path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_os_error("cannot write " + path, errno);
    done += static_cast<std::size_t>(n);
  }
}

// Moves a finished file into place, never over an existing file: that file may hold
// records another run already counted as delivered.
void publish_without_replacing(const std::string &from, const std::string &to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return;
  if (errno == EINVAL || errno == ENOSYS) {  // the file system cannot: link, then unlink
    if (::link(from.c_str(), to.c_str()) == 0) {
      ::unlink(from.c_str());
      return;
    }
  }
  if (errno == EEXIST) {
    throw FatalError("will not replace " + to +
                     ", which already exists (an earlier run's file is never overwritten)");
  }
  throw_os_error("cannot rename " + from + " to " + to, errno);
}

// The first line of an open file, up to `limit` bytes, without its line ending.
std::string first_line(int fd, std::size_t limit) {
  std::string line(limit, '\0');
  const ssize_t n = ::pread(fd, line.data(), limit, 0);
  if (n <= 0) return {};
  line.resize(static_cast<std::size_t>(n));
  const auto end = line.find('\n');
  if (end != std::string::npos) line.resize(end);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

void sync_directory(const std::string &dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

CsvSink::CsvSink(const EntitySettings &settings, const SinkRequest &request, const Host &host)
    : settings_(settings), request_(request), host_(host), started_at_(utc_stamp()) {}

CsvSink::~CsvSink() {
  if (fd_ >= 0) ::close(fd_);
  // Never committed: nobody may see a partial file.
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
}

std::string CsvSink::final_name() const {
  std::string name = settings_.file_name;
  replace_all(name, "{entity}", request_.entity);
  replace_all(name, "{date}", started_at_.substr(0, 8));
  replace_all(name, "{time}", started_at_.substr(9));
  replace_all(name, "{run}", request_.run_id);
  if (part_ > 1) {
    // A run that commits more than once writes its later parts beside the first.
    const auto dot = name.rfind('.');
    const std::string suffix = ".part" + std::to_string(part_);
    name = dot == std::string::npos || dot == 0 ? name + suffix : name.insert(dot, suffix);
  }
  return name;
}

void CsvSink::open_output(const BatchView &first) {
  std::error_code ec;
  fs::create_directories(settings_.output_dir, ec);
  if (ec) throw_os_error("cannot create " + settings_.output_dir, ec.value());
  columns_ = settings_.columns;
  if (columns_.empty()) {
    for (std::size_t i = 0; i < first.field_count(); ++i)
      columns_.emplace_back(first.field_name(i));
  }
  final_path_ = (fs::path(settings_.output_dir) / final_name()).string();
  std::string header;
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (i > 0) header.push_back(settings_.dialect.delimiter);
    append_field(header, columns_[i], settings_.dialect);
  }
  bool write_header = true;
  if (settings_.append) {
    write_header = open_for_append(header);
  } else {
    remove_leftovers();
    temp_path_ = (fs::path(settings_.output_dir) / ("." + final_name() + ".tmp")).string();
    fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      const std::string path = temp_path_;
      temp_path_.clear();
      throw_os_error("cannot create " + path, errno);
    }
  }
  if (write_header) buffer_ += header + (settings_.crlf ? "\r\n" : "\n");
}

// A run killed before its commit leaves its hidden temporary file behind (as large as a
// whole export); the next run of the same entity removes what matches its own name.
void CsvSink::remove_leftovers() const {
  std::string pattern = settings_.file_name;
  replace_all(pattern, "{entity}", request_.entity);
  for (const char *part : {"{date}", "{time}", "{run}"}) replace_all(pattern, part, "*");
  pattern = "." + pattern + ".tmp";
  std::error_code ec;
  for (fs::directory_iterator it(settings_.output_dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (::fnmatch(pattern.c_str(), name.c_str(), 0) != 0) continue;
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    if (::unlink(it->path().c_str()) == 0) {
      host_.log(LogLevel::info, "removed " + it->path().string() + ", left by an unfinished run");
    }
  }
}

// Appending follows no symbolic link and writes only into a regular file whose header
// names the same columns; returns whether the file is new and needs its header.
bool CsvSink::open_for_append(const std::string &header) {
  struct stat st {};
  if (::lstat(final_path_.c_str(), &st) == 0 && S_ISREG(st.st_mode) && settings_.rotate_bytes > 0 &&
      static_cast<std::uint64_t>(st.st_size) >= settings_.rotate_bytes) {
    std::string stamp = utc_stamp();
    stamp[8] = 'T';
    const std::string rotated = final_path_ + "." + stamp;
    if (::rename(final_path_.c_str(), rotated.c_str()) != 0) {
      throw_os_error("cannot rotate " + final_path_, errno);
    }
  }
  fd_ = ::open(final_path_.c_str(),
               O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    if (errno == ELOOP) {
      throw FatalError("will not append to " + final_path_ +
                       ": it is a symbolic link (only a regular file is appended to)");
    }
    throw_os_error("cannot open " + final_path_, errno);
  }
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    throw FatalError("will not append to " + final_path_ + ": it is not a regular file");
  }
  if (st.st_size == 0) return true;
  const std::string found = first_line(fd_, header.size() + 4096);
  if (found != header) {
    ::close(fd_);
    fd_ = -1;
    throw FatalError("will not append to " + final_path_ + ": its header is '" +
                     found.substr(0, 200) + "' but this flow writes the columns '" +
                     header.substr(0, 200) + "'");
  }
  return false;
}

void CsvSink::write(const BatchView &batch, Outcomes &outcomes) {
  if (batch.size() == 0) return;
  if (fd_ < 0) open_output(batch);
  // By name through a hash map: a search per column is quadratic in wide files.
  std::unordered_map<std::string_view, std::size_t> by_name;
  by_name.reserve(batch.field_count());
  for (std::size_t f = 0; f < batch.field_count(); ++f) by_name.emplace(batch.field_name(f), f);
  positions_.assign(columns_.size(), BatchView::npos);
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    if (auto it = by_name.find(columns_[c]); it != by_name.end()) positions_[c] = it->second;
  }
  std::string cell;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto record = batch.record(i);
    if (record.operation() == Operation::remove) {
      outcomes.rejected(i, "a CSV file cannot delete a row; the delete was not written");
      continue;
    }
    for (std::size_t c = 0; c < columns_.size(); ++c) {
      if (c > 0) buffer_.push_back(settings_.dialect.delimiter);
      if (positions_[c] == BatchView::npos) continue;
      const Value v = record.value(positions_[c]);
      if (v.type() == ValueType::string || v.type() == ValueType::json ||
          v.type() == ValueType::decimal) {
        append_field(buffer_, v.text(), settings_.dialect);
      } else {
        cell.clear();
        append_value_text(cell, v);
        buffer_ += cell;
      }
    }
    buffer_ += settings_.crlf ? "\r\n" : "\n";
    outcomes.written(i, WriteAction::written);  // a row in a file: created or updated downstream
  }
  if (buffer_.size() >= flush_threshold) flush_buffer();
}

void CsvSink::flush_buffer() {
  write_all(fd_, buffer_, settings_.append ? final_path_ : temp_path_);
  written_bytes_ += buffer_.size();
  buffer_.clear();
}

void CsvSink::commit() {
  if (fd_ < 0) return;  // nothing was written: no file
  flush_buffer();
  if (::fsync(fd_) != 0) throw_os_error("cannot sync " + final_path_, errno);
  if (settings_.append) return;
  ::close(fd_);
  fd_ = -1;
  publish_without_replacing(temp_path_, final_path_);
  temp_path_.clear();
  sync_directory(settings_.output_dir);
  host_.log(LogLevel::info, "wrote " + final_path_);
  ++part_;
}

}  // namespace junction::csv
