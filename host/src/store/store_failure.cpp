#include "store/store_failure.hpp"

#include <spdlog/spdlog.h>

namespace junction::store {

std::string readable_failure(std::string_view what) {
  std::string text(what);
  // SOCI appends ` while executing "SQL" with :p1=value...` or ` while preparing "SQL"`.
  for (const char *quote : {" while executing \"", " while preparing \""}) {
    const auto sql = text.find(quote);
    if (sql == std::string::npos) continue;
    spdlog::debug("store failure in full: {}", text);
    text.erase(sql);
  }
  // SOCI's own prefixes ("sqlite3_statement_backend::loadOne: ") say nothing to people.
  for (const char *prefix :
       {"sqlite3_statement_backend::loadOne: ", "sqlite3_statement_backend::prepare: ",
        "sqlite3_statement_backend::loadRS: "}) {
    for (auto at = text.find(prefix); at != std::string::npos; at = text.find(prefix)) {
      text.erase(at, std::string_view(prefix).size());
    }
  }
  while (!text.empty() && (text.back() == '.' || text.back() == ' ' || text.back() == '\n')) {
    text.pop_back();
  }
  if (text.find(" — ") != std::string::npos) return text;  // explained already
  if (text.find("malformed") != std::string::npos ||
      text.find("file is not a database") != std::string::npos) {
    text +=
        " — the state store is damaged: stop every run and restore it from a backup "
        "(docs/operations.md, State)";
  } else if (text.find("database is locked") != std::string::npos) {
    text += " — another process is writing the state store; try again when it is done";
  }
  return text;
}

}  // namespace junction::store
