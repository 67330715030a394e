#include "sql_settings.hpp"

#include <cctype>

#include "junction/errors.hpp"

namespace junction::sql {
namespace {

// Skips blanks and SQL comments; the first word of what follows, in upper case.
std::string first_word(const std::string &sql) {
  std::size_t at = 0;
  while (at < sql.size()) {
    if (std::isspace(static_cast<unsigned char>(sql[at])) != 0) {
      ++at;
    } else if (sql.compare(at, 2, "--") == 0) {
      at = sql.find('\n', at);
      if (at == std::string::npos) return {};
    } else if (sql.compare(at, 2, "/*") == 0) {
      at = sql.find("*/", at + 2);
      if (at == std::string::npos) return {};
      at += 2;
    } else {
      break;
    }
  }
  std::string word;
  while (at < sql.size() && std::isalpha(static_cast<unsigned char>(sql[at])) != 0) {
    word += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[at++])));
  }
  return word;
}

// A ';' outside quoted literals and identifiers.
bool has_statement_separator(const std::string &sql) {
  char quote = 0;
  for (const char c : sql) {
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == ';') {
      return true;
    }
  }
  return false;
}

// What create can refuse without connecting: combinations the schema cannot express.
void check_entity(const std::string &name, const nlohmann::json &entity, const EntitySettings &e) {
  const std::string where = "entities." + name;
  if (!e.query.empty()) {
    if (entity.contains("table")) {
      throw ConfigError(where + ": give either \"table\" or \"query\", not both");
    }
    const std::string word = first_word(e.query);
    if (word != "SELECT" && word != "WITH") {
      throw ConfigError(where + ".query: must be one read-only SELECT (or WITH ... SELECT), not " +
                        (word.empty() ? std::string("empty") : word));
    }
    if (has_statement_separator(e.query)) {
      throw ConfigError(where + ".query: must be one statement, without ';' (it is read as a subquery)");
    }
  }
  if (e.overlap_seconds > 0 && e.cursor.empty()) {
    throw ConfigError(where + ".overlap: re-reading behind a cursor needs a \"cursor\"");
  }
}

}  // namespace

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
    check_entity(e.name, *it, e);
    s.entities.emplace(e.name, std::move(e));
  }
  return s;
}

}  // namespace junction::sql
