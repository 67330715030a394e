// One run at a time of each flow or sync, across processes sharing a store: a second run
// learns at once who holds it instead of waiting on the store. On SQLite a lock file per
// name beside the store (flock, released when the process ends however it ends); on
// PostgreSQL a session-level advisory lock on the run's own connection.
#pragma once

#include <memory>
#include <string>

#include "store/state_store.hpp"

namespace junction::store {

class RunLock {
 public:
  virtual ~RunLock() = default;
  // Takes the lock for `name` ("flow:F", "sync:S"), or returns null with `holder` saying
  // who has it ("process 4711 on host db1 since 2026-12-01T02:00:00Z").
  static std::unique_ptr<RunLock> try_acquire(StateStore &store, const std::string &name,
                                              std::string &holder);
};

}  // namespace junction::store
