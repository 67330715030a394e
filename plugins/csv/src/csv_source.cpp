#include "csv_source.hpp"

#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include <junction/errors.hpp>

#include "file_hash.hpp"
#include "text_encoding.hpp"

namespace junction::csv {
namespace fs = std::filesystem;

namespace {

bool stat_file(const std::string &path, FileInfo &info) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  info.size = static_cast<std::uint64_t>(st.st_size);
  info.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return true;
}

// The regular files of `settings.dir` matching its pattern, hidden ones left out, in name
// order. `ec` says why the folder could not be listed.
std::vector<FileInfo> matching_files(const EntitySettings &settings, std::error_code &ec) {
  std::vector<FileInfo> found;
  for (fs::directory_iterator it(settings.dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    if (::fnmatch(settings.pattern.c_str(), name.c_str(), FNM_PERIOD) != 0) continue;
    FileInfo f{name, it->path().string(), 0, 0};
    if (stat_file(f.path, f)) found.push_back(f);
  }
  std::sort(found.begin(), found.end(),
            [](const FileInfo &a, const FileInfo &b) { return a.name < b.name; });
  return found;
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

SourceCursor SourceCursor::parse(const std::string &text) {
  SourceCursor c;
  if (text.empty()) return c;
  try {
    const auto j = nlohmann::json::parse(text);
    c.done = j.value("done", nlohmann::json::object());
    if (auto cur = j.find("current"); cur != j.end() && cur->is_object()) {
      c.current = cur->value("file", "");
      c.offset = cur->value("offset", std::uint64_t{0});
      c.line = cur->value("line", std::uint64_t{1});
      c.size = cur->value("size", std::uint64_t{0});
      c.mtime_ns = cur->value("mtime_ns", std::int64_t{0});
    }
  } catch (const std::exception &e) {
    throw ConfigError(std::string("unreadable cursor from a previous run: ") + e.what());
  }
  return c;
}

std::string SourceCursor::dump() const {
  nlohmann::json j = {{"done", done}};
  if (!current.empty()) {
    j["current"] = {{"file", current},
                    {"offset", offset},
                    {"line", line},
                    {"size", size},
                    {"mtime_ns", mtime_ns}};
  }
  return j.dump();
}

CsvSource::CsvSource(const EntitySettings &settings, const SourceRequest &request, const Host &host)
    : settings_(settings),
      request_(request),
      host_(host),
      cursor_(SourceCursor::parse(request.cursor)) {}

// Files are listed once per run, in name order. A file is ready when it has not changed
// for stable_for (or, with ready_suffix, when its marker exists).
std::optional<std::vector<std::string>> CsvSource::describe(const EntitySettings &settings,
                                                            const Host &host) {
  if (!settings.header) return settings.columns;
  FileInfo first;
  if (!settings.file.empty()) {
    first.path = settings.file;
    first.name = fs::path(settings.file).filename().string();
    if (!stat_file(first.path, first)) return std::nullopt;
  } else {
    std::error_code ec;
    const auto found = matching_files(settings, ec);
    if (found.empty()) return std::nullopt;
    first = found.front();
  }
  SourceRequest request;
  request.entity = settings.name;
  CsvSource source(settings, request, host);
  source.start_file(first, 0, 1);
  return source.columns_;
}

bool CsvSource::open_next_file() {
  if (!listed_) {
    listed_ = true;
    std::vector<FileInfo> found;
    if (!settings_.file.empty()) {
      FileInfo f;
      f.path = settings_.file;
      f.name = fs::path(settings_.file).filename().string();
      if (stat_file(f.path, f)) {
        found.push_back(f);
      } else if (std::error_code ec; fs::is_directory(f.path, ec)) {
        throw ConfigError(settings_.file +
                          " is a folder; \"file\" names one file (use "
                          "\"pattern\" to read the files of a folder)");
      } else if (settings_.allow_missing) {
        host_.log(LogLevel::info, "no file " + settings_.file + " to read (allowed)");
      } else {
        // A daily export that did not arrive must be noticed, not read as "nothing new".
        throw FatalError("no file " + settings_.file +
                         " to read (set \"allow_missing\": true "
                         "if it may be absent)");
      }
    } else {
      std::error_code ec;
      found = matching_files(settings_, ec);
      if (ec) throw TransientError("cannot list " + settings_.dir + ": " + ec.message());
      // Forget handled files that are gone (archived or removed).
      std::set<std::string> present;
      for (const auto &f : found) present.insert(f.name);
      for (auto it = cursor_.done.begin(); it != cursor_.done.end();) {
        it = present.contains(it.key()) ? std::next(it) : cursor_.done.erase(it);
      }
    }
    for (const auto &f : found) {
      if (!settings_.ready_suffix.empty()) {
        if (!fs::exists(f.path + settings_.ready_suffix)) continue;
      } else if (settings_.stable_for_ms > 0 &&
                 now_ns() - f.mtime_ns < settings_.stable_for_ms * 1000000) {
        // Recently changed: make sure it is not still being written.
        std::this_thread::sleep_for(std::chrono::milliseconds(settings_.stable_for_ms));
        FileInfo again = f;
        if (!stat_file(f.path, again) || again.size != f.size || again.mtime_ns != f.mtime_ns) {
          host_.log(LogLevel::info, f.name + " is still being written; it will be read later");
          continue;
        }
      }
      if (settings_.skip_processed && cursor_.done.contains(f.name)) {
        const auto &seen = cursor_.done[f.name];
        if (seen.value("size", std::uint64_t{0}) == f.size &&
            (seen.value("mtime_ns", std::int64_t{0}) == f.mtime_ns ||
             seen.value("hash", std::string()) == hash_file(f.path))) {
          continue;
        }
      }
      pending_.push_back(f);
    }
    // Resume a file a previous run stopped in, if it is unchanged.
    if (!cursor_.current.empty()) {
      auto it = std::find_if(pending_.begin(), pending_.end(),
                             [&](const FileInfo &f) { return f.name == cursor_.current; });
      if (it != pending_.end() && it->size == cursor_.size && it->mtime_ns == cursor_.mtime_ns) {
        FileInfo f = *it;
        pending_.erase(it);
        start_file(f, cursor_.offset, cursor_.line);
        return true;
      }
      cursor_.current.clear();
    }
  }
  if (pending_.empty()) return false;
  const FileInfo f = pending_.front();
  pending_.erase(pending_.begin());
  start_file(f, 0, 1);
  return true;
}

void CsvSource::start_file(const FileInfo &file, std::uint64_t offset, std::uint64_t line) {
  file_ = file;
  reader_ = std::make_unique<FileReader>(file.path);  // throws by what the system said
  // The header is always read from the start; then the parser goes to the resume point.
  parser_ = std::make_unique<Parser>(*reader_, settings_.dialect, 0, 1, settings_.max_row_bytes);
  read_header();
  if (offset > 0) {
    parser_ = std::make_unique<Parser>(*reader_, settings_.dialect, offset, line,
                                       settings_.max_row_bytes);
  }
  cursor_.current = file.name;
  cursor_.size = file.size;
  cursor_.mtime_ns = file.mtime_ns;
  cursor_.offset = parser_->offset();
  cursor_.line = line;
}

void CsvSource::read_header() {
  columns_ = settings_.columns;
  if (settings_.header) {
    Row header;
    if (!parser_->next(header)) {
      columns_.clear();
    } else {
      if (!header.error.empty()) {
        throw ConfigError(file_.name + ":" + std::to_string(header.line) +
                          ": unreadable header row: " + header.error);
      }
      if (columns_.empty()) {
        std::set<std::string> seen;
        for (std::size_t i = 0; i < header.fields.size(); ++i) {
          std::string name(header.fields[i]);
          if (settings_.encoding == Encoding::utf8) {
            if (const auto bad = find_invalid_utf8(name); bad != std::string::npos) {
              throw ConfigError(file_.name + ":" + std::to_string(header.line) +
                                ": invalid UTF-8 in the header's column " + std::to_string(i + 1) +
                                " at byte " + std::to_string(bad + 1) +
                                " (set \"encoding\" if the file is not UTF-8)");
            }
          } else {
            std::string converted;
            append_as_utf8(name, settings_.encoding, converted);
            name = converted;
          }
          if (name.empty()) name = "column_" + std::to_string(i + 1);
          if (!seen.insert(name).second) {
            throw ConfigError(file_.name + ":" + std::to_string(header.line) +
                              ": the header names column '" + name + "' twice");
          }
          columns_.push_back(name);
        }
      } else if (header.fields.size() != columns_.size()) {
        throw ConfigError(file_.name + ": the config names " + std::to_string(columns_.size()) +
                          " columns but the header has " + std::to_string(header.fields.size()));
      }
    }
  }
  key_indices_.clear();
  for (const auto &key : request_.key_fields) {
    auto it = std::find(columns_.begin(), columns_.end(), key);
    if (it == columns_.end() && !columns_.empty()) {
      throw ConfigError(file_.name + " has no key column '" + key + "'");
    }
    key_indices_.push_back(static_cast<std::uint32_t>(it - columns_.begin()));
  }
}

void CsvSource::finish_file() {
  nlohmann::json entry = {{"size", file_.size}, {"mtime_ns", file_.mtime_ns}};
  // A file that changed while it was read is read again next time, whole.
  FileInfo after = file_;
  if (stat_file(file_.path, after) &&
      (after.size != file_.size || after.mtime_ns != file_.mtime_ns)) {
    host_.log(LogLevel::warn,
              file_.name + " changed while it was being read; it will be read again");
  } else {
    if (settings_.skip_processed) entry["hash"] = hash_file(file_.path);
    cursor_.done[file_.name] = entry;
  }
  cursor_.current.clear();
  parser_.reset();
  reader_.reset();
}

void CsvSource::add_row(BatchBuilder &records) {
  const std::string origin = file_.name + ":" + std::to_string(row_.line);
  const auto r = records.add_record(Operation::upsert, JN_TIME_UNKNOWN, origin);
  std::string problem = row_.error;
  const std::size_t n = std::min(row_.fields.size(), columns_.size());
  // A malformed row that ran over several lines will be read again from its second line:
  // keep only what it held on its first.
  const bool recovered = row_.spans_lines && !row_.error.empty();
  for (std::size_t i = 0; i < n; ++i) {
    const std::string_view field = row_.fields[i];
    if (recovered && field.find_first_of("\r\n") != std::string_view::npos) break;
    if (field.empty() && row_.quoted[i] == 0) {
      records.set(r, i, Value::null());
      continue;
    }
    if (settings_.encoding == Encoding::utf8) {
      const auto bad = find_invalid_utf8(field);
      if (bad != std::string_view::npos) {
        if (problem.empty()) {
          problem = "invalid UTF-8 in column '" + columns_[i] + "' at byte " +
                    std::to_string(bad + 1) + " (set \"encoding\" if the file is not UTF-8)";
        }
        continue;
      }
      records.set(r, i, Value::string(field));
    } else {
      scratch_.clear();
      append_as_utf8(field, settings_.encoding, scratch_);
      records.set(r, i, Value::string(scratch_));
    }
  }
  if (problem.empty() && row_.fields.size() != columns_.size()) {
    problem = "expected " + std::to_string(columns_.size()) + " fields, found " +
              std::to_string(row_.fields.size());
  }
  if (!problem.empty()) {
    // The raw text may itself be invalid UTF-8; keep it readable.
    std::string_view shown = row_.raw;
    if (recovered) shown = shown.substr(0, shown.find_first_of("\r\n"));
    std::string raw;
    if (find_invalid_utf8(shown) != std::string_view::npos) {
      append_as_utf8(shown, Encoding::latin1, raw);
    } else {
      raw = shown;
    }
    records.fail_record(r, file_.name + " line " + std::to_string(row_.line) + ": " + problem, raw);
    // One stray quote must not swallow the rows behind it.
    if (row_.spans_lines) parser_->resume_after_first_line(row_);
  }
}

void CsvSource::next(SourceBatch &out) {
  if (!parser_ && !open_next_file()) {
    out.cursor = cursor_.dump();
    out.end = true;
    return;
  }
  out.records.set_fields(columns_);
  out.records.set_key_fields(key_indices_);
  const std::uint32_t limit = std::max<std::uint32_t>(request_.batch_size, 1);
  while (out.records.size() < limit) {
    if (!parser_->next(row_)) {
      finish_file();
      break;
    }
    add_row(out.records);
    cursor_.offset = parser_->offset();
    cursor_.line = parser_->line();
  }
  out.cursor = cursor_.dump();
  out.end = !parser_ && pending_.empty() && listed_;
}

void CsvSource::acknowledge(std::string_view cursor) {
  if (settings_.archive_dir.empty() || settings_.file.size() > 0) return;
  const SourceCursor acked = SourceCursor::parse(std::string(cursor));
  std::error_code ec;
  fs::create_directories(settings_.archive_dir, ec);
  for (auto it = acked.done.begin(); it != acked.done.end(); ++it) {
    const fs::path from = fs::path(settings_.dir) / it.key();
    FileInfo now;
    if (!stat_file(from.string(), now) || now.size != it->value("size", std::uint64_t{0})) continue;
    fs::rename(from, fs::path(settings_.archive_dir) / it.key(), ec);
    if (ec) {
      host_.log(LogLevel::warn, "cannot archive " + from.string() + ": " + ec.message());
    } else if (!settings_.ready_suffix.empty()) {
      fs::remove(from.string() + settings_.ready_suffix, ec);
    }
  }
}

}  // namespace junction::csv
