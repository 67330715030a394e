// Versioned schema migrations of the state store, applied in order at start.
#pragma once

#include <string>
#include <vector>

#include "store/store_location.hpp"

namespace soci {
class session;
}

namespace junction::store {

struct Migration {
  int version;
  std::string name;
  std::vector<std::string> statements;  // in the store's SQL dialect
  // Runs after the statements (in their transaction) where SQL alone cannot convert.
  void (*convert)(soci::session &, Backend) = nullptr;
};

// Every migration this build knows, rendered for a backend.
std::vector<Migration> migrations_for(Backend backend);

int latest_schema_version();

// Applies the pending migrations, each in its own transaction, holding a lock so that two
// processes starting at once do not both migrate. Throws std::runtime_error when the
// store's schema is newer than this build.
void apply_migrations(soci::session &session, Backend backend);

int current_schema_version(soci::session &session);

}  // namespace junction::store
