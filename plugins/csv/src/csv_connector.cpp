// The csv plugin: CSV files as a source (one snapshot file, or a folder of arriving files)
// and as a sink (a file per run, or one appended file).
#include <algorithm>
#include <filesystem>
#include <thread>

#include <junction/sdk.hpp>

#include "csv_settings.hpp"
#include "csv_sink.hpp"
#include "csv_source.hpp"
#include "file_watch.hpp"

namespace junction::csv {
namespace {

class CsvConnector : public Connector {
 public:
  explicit CsvConnector(const ConnectorInit &init)
      : Connector(init),
        settings_(read_settings(nlohmann::json::parse(init.config),
                                [this](const std::string &p) { return resolve_path(p); })) {}

  std::unique_ptr<Source> open_source(const SourceRequest &request) override {
    // Parsing is most of a CSV source's cost: it runs beside the host's work.
    return std::make_unique<ReadAheadSource>(
        std::make_unique<CsvSource>(entity(request.entity), request, host()));
  }
  std::optional<std::vector<std::string>> describe_fields(const std::string &name) override {
    return CsvSource::describe(entity(name), host());
  }
  // A file of the entity written and closed, or moved in (inotify); answered once it has
  // been still for stable_for, so that the run it starts reads it.
  std::optional<bool> wait_for_changes(const std::string &name,
                                       std::chrono::milliseconds timeout) override {
    const auto &e = entity(name);
    std::filesystem::path dir = e.dir;
    std::string pattern = e.pattern;
    if (dir.empty()) {
      if (e.file.empty()) return std::nullopt;
      dir = std::filesystem::path(e.file).parent_path();
      pattern = std::filesystem::path(e.file).filename().string();
    }
    if (!e.ready_suffix.empty()) pattern += e.ready_suffix;
    if (!watch_.wait(dir.string(), pattern, timeout)) return false;
    if (e.ready_suffix.empty() && e.stable_for_ms > 0) {
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::min<std::int64_t>(e.stable_for_ms + 50, 10000)));
    }
    return true;
  }
  std::unique_ptr<Sink> open_sink(const SinkRequest &request) override {
    return std::make_unique<CsvSink>(entity(request.entity), request, host());
  }

 private:
  const EntitySettings &entity(const std::string &name) const {
    auto it = settings_.entities.find(name);
    if (it == settings_.entities.end()) {
      throw ConfigError("connector '" + this->name() + "' has no entity '" + name +
                        "' in its config");
    }
    return it->second;
  }
  Settings settings_;
  FileWatch watch_;
};

}  // namespace
}  // namespace junction::csv

JUNCTION_PLUGIN(junction::csv::CsvConnector, JUNCTION_SOURCE_AND_SINK)
