#include "store/store_location.hpp"

#include <libpq-fe.h>

#include <memory>
#include <regex>
#include <string_view>

#include "log/secret_redaction.hpp"

namespace junction::store {
namespace {

// SOCI's PostgreSQL backend reads keyword=value connection strings only, so a URL is
// parsed by libpq itself and written back in that form, each value quoted.
std::optional<std::string> keyword_value_form(const std::string &url, std::string &why) {
  char *error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(url.c_str(), &error), &PQconninfoFree);
  if (!options) {
    why = "invalid PostgreSQL URL " + mask_password(url) + ": " +
          (error != nullptr ? std::string(error) : std::string("cannot parse"));
    if (error != nullptr) PQfreemem(error);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    return std::nullopt;
  }
  std::string out;
  for (const PQconninfoOption *o = options.get(); o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    if (std::string_view(o->keyword) == "password") log::register_secret(o->val);
    std::string value;
    for (const char *c = o->val; *c != '\0'; ++c) {
      if (*c == '\\' || *c == '\'') value += '\\';
      value += *c;
    }
    out += (out.empty() ? "" : " ") + std::string(o->keyword) + "='" + value + "'";
  }
  return out;
}

}  // namespace

std::string mask_password(const std::string &url) {
  // Up to the last '@': a password holding an unencoded '@' is masked whole.
  static const std::regex userinfo(R"(^([A-Za-z][A-Za-z0-9+.-]*://[^:/@]*:).*@)");
  static const std::regex parameter(R"((password=)[^&\s]*)", std::regex::icase);
  return std::regex_replace(std::regex_replace(url, userinfo, "$1***@"), parameter, "$1***");
}

std::optional<StoreLocation> parse_store_location(const std::string &url,
                                                  const std::filesystem::path &base_dir,
                                                  std::string &why) {
  StoreLocation location;
  if (url.rfind("sqlite:", 0) == 0) {
    std::filesystem::path file(url.substr(7));
    if (file.empty()) {
      why = "sqlite: needs a file path, as in sqlite:var/state.db";
      return std::nullopt;
    }
    if (file.is_relative()) file = base_dir / file;
    file = file.lexically_normal();
    if (file.string().find('=') != std::string::npos) {
      why = "the SQLite path must not contain '='";
      return std::nullopt;
    }
    location.backend = Backend::sqlite;
    location.sqlite_file = file;
    location.connect = file.string();
    location.display = "sqlite:" + file.string();
    return location;
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    location.backend = Backend::postgresql;
    // RFC 3986 allows no '@' inside the user information: a second one means a password
    // that was not percent-encoded, which libpq would split at the wrong place.
    const auto at = url.find('@');
    if (at != std::string::npos && url.find('@', at + 1) != std::string::npos) {
      why = "the PostgreSQL URL " + mask_password(url) +
            " holds more than one '@': percent-encode '@' in a user name or password as %40 "
            "(and ':' as %3A, '/' as %2F), or give the password as ${env:NAME} in a "
            "password=... parameter";
      return std::nullopt;
    }
    auto connect = keyword_value_form(url, why);
    if (!connect) return std::nullopt;
    location.connect = *connect;
    location.display = mask_password(url);
    return location;
  }
  why = "unknown store '" + mask_password(url) +
        "': expected sqlite:PATH or postgresql://user@host/database";
  return std::nullopt;
}

}  // namespace junction::store
