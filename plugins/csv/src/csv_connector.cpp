// The csv plugin: CSV files as a source (one snapshot file, or a folder of arriving files)
// and as a sink (a file per run, or one appended file).
#include <junction/sdk.hpp>

#include "csv_settings.hpp"
#include "csv_sink.hpp"
#include "csv_source.hpp"

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
};

}  // namespace
}  // namespace junction::csv

JUNCTION_PLUGIN(junction::csv::CsvConnector, JUNCTION_SOURCE_AND_SINK)
