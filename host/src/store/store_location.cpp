#include "store/store_location.hpp"

#include <regex>

namespace junction::store {

std::string mask_password(const std::string &url) {
  static const std::regex userinfo(R"(^(postgres(?:ql)?://[^:/@]*:)[^@]*@)");
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
    location.connect = url;
    location.display = mask_password(url);
    return location;
  }
  why = "unknown store '" + mask_password(url) +
        "': expected sqlite:PATH or postgresql://user@host/database";
  return std::nullopt;
}

}  // namespace junction::store
