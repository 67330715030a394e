// Requests spent per API account and UTC day, added to by every process at its
// checkpoints (see engine/quota_governor.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace soci {
class session;
}

namespace junction::store {

struct QuotaDay {
  std::string account;
  std::string day;
  std::int64_t requests = 0;
  std::int64_t per_day = 0;  // the daily budget in force when last saved; 0: none
};

class QuotaRepository {
 public:
  explicit QuotaRepository(soci::session &session) : session_(session) {}

  // Adds `requests` to the account's day; returns the day's total.
  std::int64_t add(const std::string &account, const std::string &day, std::int64_t requests,
                   std::int64_t per_day);
  std::vector<QuotaDay> on_day(const std::string &day);

 private:
  soci::session &session_;
};

}  // namespace junction::store
