// Where the state store lives: "sqlite:PATH" or "postgresql://...".
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace junction::store {

enum class Backend { sqlite, postgresql };

struct StoreLocation {
  Backend backend = Backend::sqlite;
  std::string connect;  // what the database library receives; may hold a password
  std::string display;  // safe to print: passwords replaced by ***
  std::filesystem::path sqlite_file;
};

// Relative SQLite paths are anchored at `base_dir` (the config file's directory).
std::optional<StoreLocation> parse_store_location(const std::string &url,
                                                  const std::filesystem::path &base_dir,
                                                  std::string &why);

// Replaces the password of a postgresql:// URL or a password=... parameter with ***.
std::string mask_password(const std::string &url);

}  // namespace junction::store
