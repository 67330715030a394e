// Writes one entity's records to CSV: a new file per run, made visible atomically at
// commit (temp file, fsync, rename), or appended to one file with size-based rotation.
#pragma once

#include <string>
#include <vector>

#include <junction/connector.hpp>

#include "csv_settings.hpp"

namespace junction::csv {

class CsvSink : public Sink {
 public:
  CsvSink(const EntitySettings &settings, const SinkRequest &request, const Host &host);
  ~CsvSink() override;
  void write(const BatchView &batch, Outcomes &outcomes) override;
  void commit() override;

 private:
  void open_output(const BatchView &first);
  bool open_for_append(const std::string &header);
  void remove_leftovers() const;
  void flush_buffer();
  std::string final_name() const;

  EntitySettings settings_;
  SinkRequest request_;
  Host host_;
  std::vector<std::string> columns_;
  std::vector<std::size_t> positions_;  // batch field index per column, or npos
  int fd_ = -1;
  std::string temp_path_;
  std::string final_path_;
  std::string buffer_;
  std::uint64_t written_bytes_ = 0;
  std::string started_at_;  // for {date} and {time} in file names
  int part_ = 1;
};

}  // namespace junction::csv
