#include "sql_database.hpp"

#include <libpq-fe.h>

#include <filesystem>
#include <regex>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <junction/errors.hpp>

namespace junction::sql {
namespace {

std::string mask(std::string text) {
  static const std::regex url_password(R"((postgres(?:ql)?://[^:/@\s]*:)[^@\s]*@)");
  static const std::regex keyword_password(R"(password\s*=\s*('(\\.|[^'])*'|\S+))",
                                           std::regex::icase);
  text = std::regex_replace(text, url_password, "$1***@");
  return std::regex_replace(text, keyword_password, "password=***");
}

// SOCI's PostgreSQL backend reads keyword=value strings only; libpq turns a URL into one.
std::string keyword_form(const std::string &url) {
  char *error = nullptr;
  PQconninfoOption *options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    std::string why = error != nullptr ? error : "cannot parse";
    if (error != nullptr) PQfreemem(error);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    throw ConfigError("invalid PostgreSQL URL " + mask(url) + ": " + why);
  }
  std::string out;
  for (const PQconninfoOption *o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    std::string value;
    for (const char *c = o->val; *c != '\0'; ++c) {
      if (*c == '\\' || *c == '\'') value += '\\';
      value += *c;
    }
    out += (out.empty() ? "" : " ") + std::string(o->keyword) + "='" + value + "'";
  }
  PQconninfoFree(options);
  return out;
}

}  // namespace

std::string Database::quote(const std::string &identifier) const {
  std::string out = "\"";
  for (const char c : identifier) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

Database connect(const std::string &url, const std::string &base_dir, bool create) {
  Database db;
  db.session = std::make_unique<soci::session>();
  try {
    if (url.rfind("sqlite:", 0) == 0) {
      db.dialect = Dialect::sqlite;
      std::string path = url.substr(7);
      if (!path.empty() && path.front() != '/' && !base_dir.empty()) path = base_dir + "/" + path;
      // Opening a file that is not there would create an empty database and fail later
      // with "no such table"; a missing file is a mistake in the URL.
      if (!create && !std::filesystem::exists(path)) {
        throw ConfigError("the SQLite database " + mask(url) +
                          " does not exist (set \"create_database\": true to let Junction "
                          "create it)");
      }
      db.session->open(*soci::factory_sqlite3(), path);
      db.file = path;
      *db.session << "PRAGMA busy_timeout = 10000";
      // SQLite leaves foreign keys unchecked unless asked: a row pointing at a missing
      // parent must be refused as it would be on any other database.
      *db.session << "PRAGMA foreign_keys = ON";
    } else if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
      db.dialect = Dialect::postgresql;
      db.session->open(*soci::factory_postgresql(), keyword_form(url));
      // Notices ("... already exists, skipping") are not errors; libpq would print them on
      // stderr, past the host's log format.
      PQsetNoticeProcessor(
          static_cast<soci::postgresql_session_backend *>(db.session->get_backend())->conn_,
          [](void *, const char *) {}, nullptr);
    } else {
      throw ConfigError("unknown database URL " + mask(url) +
                        ": expected sqlite:PATH or postgresql://user@host/database");
    }
  } catch (const Error &) {
    throw;
  } catch (const std::exception &e) {
    throw TransientError("cannot connect to " + mask(url) + ": " + describe(e));
  }
  return db;
}

Failure classify(const std::exception &error) {
  if (const auto *pg = dynamic_cast<const soci::postgresql_soci_error *>(&error)) {
    const std::string state = pg->sqlstate();
    if (state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" || state == "57P03") {
      return Failure::connection;
    }
    if (state == "40001" || state == "40P01" || state == "55P03" || state == "53300") {
      return Failure::transient;
    }
    if (state.rfind("23", 0) == 0 || state.rfind("22", 0) == 0) return Failure::record;
    if (state.rfind("42", 0) == 0 || state.rfind("28", 0) == 0) return Failure::fatal;
    // No SQLSTATE at all: the connection itself went away.
    return state.empty() || state == "     " ? Failure::connection : Failure::record;
  }
  if (const auto *lite = dynamic_cast<const soci::sqlite3_soci_error *>(&error)) {
    return classify_sqlite(lite->result());
  }
  if (const auto *soci_error = dynamic_cast<const soci::soci_error *>(&error)) {
    switch (soci_error->get_error_category()) {
      case soci::soci_error::connection_error: return Failure::connection;
      case soci::soci_error::constraint_violation: return Failure::record;
      case soci::soci_error::no_privilege:
      case soci::soci_error::invalid_statement: return Failure::fatal;
      default: break;
    }
  }
  return Failure::fatal;
}

Failure classify_sqlite(int result_code) {
  switch (result_code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Failure::transient;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE: return Failure::record;
    case SQLITE_IOERR: return Failure::transient;
    // A full disk, a file that cannot be opened (permissions), a read-only database: no
    // retry helps; the run stops and says why.
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    default: return Failure::fatal;
  }
}

std::string describe(const std::exception &error) {
  std::string text = mask(error.what());
  // Drop SOCI's backend prefix and the statement it appends: the database's words remain.
  if (const auto cut = text.find(" while executing \""); cut != std::string::npos) text.resize(cut);
  if (const auto colon = text.find("_backend::"); colon != std::string::npos) {
    const auto after = text.find(": ", colon);
    if (after != std::string::npos) text.erase(0, after + 2);
  }
  for (char &c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

}  // namespace junction::sql
