#include "app/quota_sharing.hpp"

#include <memory>

#include "engine/quota_governor.hpp"
#include "store/quota_window_ledger.hpp"

namespace junction::app {
namespace {

class StoreWindowLedger : public engine::WindowLedger {
 public:
  explicit StoreWindowLedger(const store::StoreLocation &location) : ledger_(location) {}
  std::optional<std::chrono::milliseconds> admit(const std::string &account,
                                                 std::chrono::milliseconds horizon,
                                                 std::int64_t limit,
                                                 std::int64_t requests) override {
    return ledger_.admit(account, horizon, limit, requests);
  }

 private:
  store::QuotaWindowLedger ledger_;
};

}  // namespace

void share_quota_windows(const store::StoreLocation &location) {
  engine::QuotaGovernor::process().share_windows(std::make_shared<StoreWindowLedger>(location));
}

}  // namespace junction::app
