#include "csv_sink.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>

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
    if (n < 0) throw TransientError("cannot write " + path + ": " + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
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
  if (ec) throw TransientError("cannot create " + settings_.output_dir + ": " + ec.message());
  columns_ = settings_.columns;
  if (columns_.empty()) {
    for (std::size_t i = 0; i < first.field_count(); ++i)
      columns_.emplace_back(first.field_name(i));
  }
  final_path_ = (fs::path(settings_.output_dir) / final_name()).string();
  bool write_header = true;
  if (settings_.append) {
    struct stat st {};
    if (::stat(final_path_.c_str(), &st) == 0) {
      if (settings_.rotate_bytes > 0 &&
          static_cast<std::uint64_t>(st.st_size) >= settings_.rotate_bytes) {
        std::string stamp = utc_stamp();
        stamp[8] = 'T';
        const std::string rotated = final_path_ + "." + stamp;
        if (::rename(final_path_.c_str(), rotated.c_str()) != 0) {
          throw TransientError("cannot rotate " + final_path_ + ": " + std::strerror(errno));
        }
      } else {
        write_header = st.st_size == 0;
      }
    }
    fd_ = ::open(final_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  } else {
    temp_path_ = (fs::path(settings_.output_dir) / ("." + final_name() + ".tmp")).string();
    fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  }
  if (fd_ < 0) {
    const std::string path = settings_.append ? final_path_ : temp_path_;
    temp_path_.clear();
    throw TransientError("cannot create " + path + ": " + std::strerror(errno));
  }
  if (write_header) {
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      if (i > 0) buffer_.push_back(settings_.dialect.delimiter);
      append_field(buffer_, columns_[i], settings_.dialect);
    }
    buffer_ += settings_.crlf ? "\r\n" : "\n";
  }
}

void CsvSink::write(const BatchView &batch, Outcomes &outcomes) {
  if (batch.size() == 0) return;
  if (fd_ < 0) open_output(batch);
  positions_.assign(columns_.size(), BatchView::npos);
  for (std::size_t c = 0; c < columns_.size(); ++c) positions_[c] = batch.field_index(columns_[c]);
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
    outcomes.written(i, WriteAction::created);
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
  if (::fsync(fd_) != 0)
    throw TransientError("cannot sync " + final_path_ + ": " + std::strerror(errno));
  if (settings_.append) return;
  ::close(fd_);
  fd_ = -1;
  if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
    throw TransientError("cannot rename " + temp_path_ + " to " + final_path_ + ": " +
                         std::strerror(errno));
  }
  temp_path_.clear();
  sync_directory(settings_.output_dir);
  host_.log(LogLevel::info, "wrote " + final_path_);
  ++part_;
}

}  // namespace junction::csv
