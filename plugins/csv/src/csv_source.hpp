// Reads one entity's CSV file(s) as record batches, resuming from a cursor.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <junction/connector.hpp>

#include "csv_parser.hpp"
#include "csv_settings.hpp"

namespace junction::csv {

// The state a cursor carries: the files already handled (name → size, mtime, content
// hash) and, while a file is being read, where the next row starts.
struct SourceCursor {
  nlohmann::json done = nlohmann::json::object();
  std::string current;  // file name relative to the entity's directory
  std::uint64_t offset = 0;
  std::uint64_t line = 1;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;

  static SourceCursor parse(const std::string &text);  // "" → a fresh start
  std::string dump() const;
};

struct FileInfo {
  std::string name;  // relative to the entity's directory (or the file itself)
  std::string path;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
};

class CsvSource : public Source {
 public:
  CsvSource(const EntitySettings &settings, const SourceRequest &request, const Host &host);
  void next(SourceBatch &out) override;
  void acknowledge(std::string_view cursor) override;

  // The columns the entity's records would carry: its configured columns, or the header of
  // its file (the first arriving file); nothing while there is no file to look at.
  static std::optional<std::vector<std::string>> describe(const EntitySettings &settings,
                                                          const Host &host);

 private:
  bool open_next_file();
  void start_file(const FileInfo &file, std::uint64_t offset, std::uint64_t line);
  void finish_file();
  void read_header();
  void add_row(BatchBuilder &records);

  EntitySettings settings_;
  SourceRequest request_;
  Host host_;
  SourceCursor cursor_;
  std::vector<FileInfo> pending_;  // files still to read this run, in name order
  bool listed_ = false;

  // The file being read.
  std::unique_ptr<FileReader> reader_;
  std::unique_ptr<Parser> parser_;
  FileInfo file_;
  std::vector<std::string> columns_;
  std::vector<std::uint32_t> key_indices_;
  Row row_;
  std::string scratch_;
};

}  // namespace junction::csv
