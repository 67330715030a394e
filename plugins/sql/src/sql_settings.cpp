#include "sql_settings.hpp"

namespace junction::sql {

Settings read_settings(const nlohmann::json &config) {
  Settings s;
  s.url = config.value("url", std::string());
  s.create_database = config.value("create_database", false);
  const auto entities = config.value("entities", nlohmann::json::object());
  for (auto it = entities.begin(); it != entities.end(); ++it) {
    EntitySettings e;
    e.name = it.key();
    e.table = it->value("table", it.key());
    e.query = it->value("query", std::string());
    const std::string overlap = it->value("overlap", std::string());
    if (!overlap.empty()) {
      const long long n = std::stoll(overlap);
      const char unit = overlap.back();
      e.overlap_seconds = unit == 'm' ? n * 60 : (unit == 'h' ? n * 3600 : n);
    }
    e.key = it->value("key", std::vector<std::string>{});
    e.cursor = it->value("cursor", std::vector<std::string>{});
    const std::string mode = it->value("write", std::string("upsert"));
    e.write_mode = mode == "insert" ? WriteMode::insert
                                    : (mode == "update" ? WriteMode::update : WriteMode::upsert);
    e.soft_delete_column = it->value("soft_delete_column", std::string());
    e.capture = it->value("capture", std::string()) == "triggers";
    e.install_capture = it->value("install_capture", false);
    e.trim_acknowledged = it->value("trim_acknowledged", true);
    s.entities.emplace(e.name, std::move(e));
  }
  return s;
}

}  // namespace junction::sql
