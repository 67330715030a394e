// The requests admitted per API account in the current window, kept where every process
// using one state store sees them (the engine's quota governor asks it before each
// request). With PostgreSQL: table api_quota_window of the store's database, written
// through a connection of the ledger's own (outside any run's long transaction), one
// account at a time under an advisory lock, timed by the server's clock so that nodes
// with clocks apart agree. With SQLite: a small database beside the store (FILE.quota),
// because the store's one writer is held by the run; processes of one machine share it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "store/store_location.hpp"

namespace soci {
class session;
}

namespace junction::store {

class QuotaWindowLedger {
 public:
  // Connects lazily, on the first admit. Throws StoreError there when it cannot.
  explicit QuotaWindowLedger(StoreLocation location);
  ~QuotaWindowLedger();
  QuotaWindowLedger(const QuotaWindowLedger &) = delete;
  QuotaWindowLedger &operator=(const QuotaWindowLedger &) = delete;

  // Admits `requests` on `account` when they fit `limit` within `horizon` before now;
  // returns nothing then, else how long until the oldest admitted request leaves the window.
  std::optional<std::chrono::milliseconds> admit(const std::string &account,
                                                 std::chrono::milliseconds horizon,
                                                 std::int64_t limit, std::int64_t requests);

 private:
  void connect();

  StoreLocation location_;
  std::unique_ptr<soci::session> session_;
};

}  // namespace junction::store
