// The sql plugin: tables of SQLite and PostgreSQL databases as sources and sinks.
#include <junction/sdk.hpp>

#include "change_capture.hpp"
#include "change_watch.hpp"
#include "sql_database.hpp"
#include "sql_settings.hpp"
#include "sql_sink.hpp"
#include "sql_source.hpp"

namespace junction::sql {
namespace {

class SqlConnector : public Connector {
 public:
  explicit SqlConnector(const ConnectorInit &init)
      : Connector(init),
        settings_(read_settings(nlohmann::json::parse(init.config))),
        base_dir_(init.base_dir) {}

  std::unique_ptr<Source> open_source(const SourceRequest &request) override {
    const auto &settings = entity(request.entity);
    if (settings.capture) return std::make_unique<ChangeLogSource>(database(), settings, request);
    return std::make_unique<SqlSource>(database(), settings, request);
  }
  std::optional<bool> wait_for_changes(const std::string &entity,
                                       std::chrono::milliseconds timeout) override {
    const auto &settings = this->entity(entity);
    if (!settings.query.empty()) return std::nullopt;
    return watch_.wait(database(), settings.table, timeout);
  }

  std::unique_ptr<Sink> open_sink(const SinkRequest &request) override {
    return std::make_unique<SqlSink>(database(), entity(request.entity), request);
  }

 private:
  // Connects on first use: creating a connector does no I/O.
  Database &database() {
    if (!db_.session) db_ = connect(settings_.url, base_dir_);
    return db_;
  }
  const EntitySettings &entity(const std::string &name) const {
    auto it = settings_.entities.find(name);
    if (it == settings_.entities.end()) {
      throw ConfigError("connector '" + this->name() + "' has no entity '" + name + "'");
    }
    return it->second;
  }
  Settings settings_;
  std::string base_dir_;
  Database db_;
  ChangeWatch watch_;
};

}  // namespace
}  // namespace junction::sql

JUNCTION_PLUGIN(junction::sql::SqlConnector, JUNCTION_SOURCE_AND_SINK)
