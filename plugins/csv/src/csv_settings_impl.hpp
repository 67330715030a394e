// Template body of read_settings; included by csv_settings.hpp only.
#pragma once

#include <filesystem>

#include <junction/duration.hpp>
#include <junction/errors.hpp>

namespace junction::csv {

inline std::int64_t checked_duration_ms(const std::string &what, const std::string &text) {
  if (const auto ms = junction::parse_duration_ms(text)) return *ms;
  throw ConfigError(what + ": '" + text.substr(0, 40) +
                    "' is not a duration of at most 100 years (a number and ms, s, m, h or d)");
}

template <typename Resolve>
Settings read_settings(const nlohmann::json &config, Resolve resolve) {
  Settings settings;
  const std::string base = resolve(config.value("dir", std::string()));
  auto in_base = [&](const std::string &path) {
    if (path.empty() || path.front() == '/') return path;
    const std::string joined = base.empty() ? resolve(path) : base + "/" + path;
    return std::filesystem::path(joined).lexically_normal().string();
  };
  const auto entities = config.value("entities", nlohmann::json::object());
  for (auto it = entities.begin(); it != entities.end(); ++it) {
    const auto &e = it.value();
    EntitySettings s;
    s.name = it.key();
    if (e.contains("file") && e.contains("pattern")) {
      throw ConfigError("entity '" + s.name + "': give either file or pattern, not both");
    }
    if (e.contains("file")) {
      s.file = in_base(e["file"].get<std::string>());
      s.skip_processed = e.value("skip_processed", false);
      s.allow_missing = e.value("allow_missing", false);
    } else {
      s.pattern = e.value("pattern", s.name + "*.csv");
      s.dir = in_base(e.value("in_dir", std::string(".")));
      s.skip_processed = e.value("skip_processed", true);
    }
    s.stable_for_ms = checked_duration_ms("stable_for", e.value("stable_for", std::string("1s")));
    s.ready_suffix = e.value("ready_suffix", std::string());
    if (e.contains("archive_dir")) s.archive_dir = in_base(e["archive_dir"].get<std::string>());
    const auto delimiter = e.value("delimiter", std::string(","));
    const auto quote = e.value("quote", std::string("\""));
    if (delimiter == "\\t" || delimiter == "tab") {
      s.dialect.delimiter = '\t';
    } else {
      s.dialect.delimiter = delimiter.at(0);
    }
    s.dialect.quote = quote.at(0);
    if (s.dialect.delimiter == s.dialect.quote) {
      throw ConfigError("entity '" + s.name + "': the delimiter and the quote must differ");
    }
    s.max_row_bytes = e.value("max_row_bytes", s.max_row_bytes);
    s.header = e.value("header", true);
    s.columns = e.value("columns", std::vector<std::string>{});
    if (!s.header && s.columns.empty()) {
      throw ConfigError("entity '" + s.name + "': without a header row, columns must be given");
    }
    const auto encoding = e.value("encoding", std::string("utf-8"));
    s.encoding = encoding == "latin-1"        ? Encoding::latin1
                 : encoding == "windows-1252" ? Encoding::windows1252
                                              : Encoding::utf8;
    s.output_dir = in_base(e.value("out_dir", std::string(".")));
    s.file_name = e.value("file_name", s.file_name);
    if (s.file_name.find('/') != std::string::npos) {
      throw ConfigError("entity '" + s.name + "': file_name must not contain '/'");
    }
    s.append = e.value("mode", std::string("file_per_run")) == "append";
    // A fixed name would make one run replace the file of the run before it, whose records
    // are already recorded as delivered; the run id is what makes a name unique per run.
    if (!s.append && s.file_name.find("{run}") == std::string::npos) {
      throw ConfigError("entity '" + s.name + "': file_name '" + s.file_name +
                        "' must contain {run} in file_per_run mode, so that no run replaces "
                        "the file of an earlier one (or use \"mode\": \"append\")");
    }
    s.rotate_bytes = e.value("rotate_bytes", std::uint64_t{0});
    s.crlf = e.value("line_ending", std::string("lf")) == "crlf";
    settings.entities.emplace(s.name, std::move(s));
  }
  return settings;
}

}  // namespace junction::csv
