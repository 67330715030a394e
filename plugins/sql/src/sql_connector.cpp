// The sql plugin: tables of SQLite and PostgreSQL databases as sources and sinks.
#include <filesystem>
#include <mutex>

#include <junction/sdk.hpp>

#include "change_capture.hpp"
#include "change_watch.hpp"
#include "sql_database.hpp"
#include "sql_settings.hpp"
#include "sql_sink.hpp"
#include "sql_source.hpp"
#include "table_columns.hpp"

namespace junction::sql {
namespace {

// The sources and sinks of one connector share its connection, and the host may call a
// source and a sink at the same time (a flow from one table to another of the same
// database): every call holds the connection for its duration.
class SharedConnectionSource : public Source {
 public:
  SharedConnectionSource(std::mutex &connection, std::unique_ptr<Source> inner)
      : connection_(connection), inner_(std::move(inner)) {}
  ~SharedConnectionSource() override {
    const std::lock_guard hold(connection_);
    inner_.reset();
  }
  SharedConnectionSource(const SharedConnectionSource &) = delete;
  SharedConnectionSource &operator=(const SharedConnectionSource &) = delete;
  void next(SourceBatch &out) override {
    const std::lock_guard hold(connection_);
    inner_->next(out);
  }
  void acknowledge(std::string_view cursor) override {
    const std::lock_guard hold(connection_);
    inner_->acknowledge(cursor);
  }

 private:
  std::mutex &connection_;
  std::unique_ptr<Source> inner_;
};

class SharedConnectionSink : public Sink {
 public:
  SharedConnectionSink(std::mutex &connection, std::unique_ptr<Sink> inner)
      : connection_(connection), inner_(std::move(inner)) {}
  ~SharedConnectionSink() override {
    const std::lock_guard hold(connection_);
    inner_.reset();
  }
  SharedConnectionSink(const SharedConnectionSink &) = delete;
  SharedConnectionSink &operator=(const SharedConnectionSink &) = delete;
  void write(const BatchView &batch, Outcomes &outcomes) override {
    const std::lock_guard hold(connection_);
    inner_->write(batch, outcomes);
  }
  void commit() override {
    const std::lock_guard hold(connection_);
    inner_->commit();
  }

 private:
  std::mutex &connection_;
  std::unique_ptr<Sink> inner_;
};

class SqlConnector : public Connector {
 public:
  explicit SqlConnector(const ConnectorInit &init)
      : Connector(init),
        settings_(read_settings(nlohmann::json::parse(init.config))),
        base_dir_(init.base_dir) {}

  std::unique_ptr<Source> open_source(const SourceRequest &request) override {
    const std::lock_guard hold(connection_);
    const auto &settings = entity(request.entity);
    std::unique_ptr<Source> source;
    if (settings.capture) {
      source = std::make_unique<ChangeLogSource>(database(), settings, request);
    } else {
      source = std::make_unique<SqlSource>(database(), settings, request);
    }
    return std::make_unique<SharedConnectionSource>(connection_, std::move(source));
  }
  std::optional<bool> wait_for_changes(const std::string &entity,
                                       std::chrono::milliseconds timeout) override {
    const std::lock_guard hold(connection_);
    const auto &settings = this->entity(entity);
    if (!settings.query.empty()) return std::nullopt;
    return watch_.wait(database(), settings.table, timeout);
  }

  std::optional<std::vector<std::string>> describe_fields(const std::string &name) override {
    const std::lock_guard hold(connection_);
    const auto &settings = entity(name);
    if (sqlite_file_missing()) return std::nullopt;  // describing never creates a database
    const auto columns = settings.query.empty() ? read_columns(database(), settings.table)
                                                : query_columns(database(), settings.query);
    std::vector<std::string> names;
    for (const auto &c : columns) names.push_back(c.name);
    return names;
  }

  std::unique_ptr<Sink> open_sink(const SinkRequest &request) override {
    const std::lock_guard hold(connection_);
    return std::make_unique<SharedConnectionSink>(
        connection_, std::make_unique<SqlSink>(database(), entity(request.entity), request));
  }

 private:
  // Connects on first use: creating a connector does no I/O.
  Database &database() {
    if (!db_.session) db_ = connect(settings_.url, base_dir_, settings_.create_database);
    return db_;
  }
  bool sqlite_file_missing() const {
    if (db_.session || settings_.url.rfind("sqlite:", 0) != 0) return false;
    std::string path = settings_.url.substr(7);
    if (!path.empty() && path.front() != '/' && !base_dir_.empty()) path = base_dir_ + "/" + path;
    return !std::filesystem::exists(path);
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
  std::mutex connection_;  // held by every call that uses db_
  Database db_;
  ChangeWatch watch_;
};

}  // namespace
}  // namespace junction::sql

JUNCTION_PLUGIN(junction::sql::SqlConnector, JUNCTION_SOURCE_AND_SINK)
