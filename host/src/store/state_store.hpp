// The state store: one SOCI session on SQLite or PostgreSQL, migrated at open.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include <junction/early_writeback.hpp>

#include "store/commit_writeback.hpp"
#include "store/store_location.hpp"

namespace soci {
class session;
}

namespace junction::store {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class StateStore {
 public:
  // Connects, sets the SQLite pragmas (WAL, busy timeout) and applies migrations.
  // Throws StoreError naming the store (never its password).
  static std::unique_ptr<StateStore> open(const StoreLocation &location);
  // Whether the store could be opened now, without creating or migrating anything: a
  // SQLite file is read (or its folder found writable when it does not exist yet), a
  // PostgreSQL server is connected to; its schema must not be newer than this build's.
  // Returns why not, or an empty string.
  static std::string probe(const StoreLocation &location);
  ~StateStore();
  StateStore(const StateStore &) = delete;
  StateStore &operator=(const StateStore &) = delete;

  soci::session &session() { return *session_; }
  Backend backend() const { return location_.backend; }
  const std::string &display_name() const { return location_.display; }
  const StoreLocation &location() const { return location_; }
  int schema_version();
  // A second connection to the same store, for reads running beside the writes of the
  // first (it sees what the first has committed). Throws StoreError.
  std::unique_ptr<soci::session> open_reader() const;
  // For the one thread writing through session() during a long transaction: starts
  // writing the WAL's new pages to disk now rather than all at the commit (SQLite; nothing
  // on PostgreSQL, whose server does its own).
  void start_writeback();
  // For a commit that may write much (a run's): while the returned object lives, a thread
  // starts writing the store's file and WAL to disk as the commit and its checkpoint fill
  // them (store/commit_writeback.hpp). Null on PostgreSQL.
  std::unique_ptr<CommitWriteback> writeback_while_committing() const;

 private:
  StateStore(StoreLocation location, std::unique_ptr<soci::session> session);
  StoreLocation location_;
  std::unique_ptr<soci::session> session_;
  std::unique_ptr<EarlyWriteback> wal_writeback_;
};

}  // namespace junction::store
