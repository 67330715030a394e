#include "store/quota_repository.hpp"

#include <soci/soci.h>

#include "store/row_values.hpp"

namespace junction::store {

std::int64_t QuotaRepository::add(const std::string &account, const std::string &day,
                                  std::int64_t requests, std::int64_t per_day) {
  session_ << "INSERT INTO api_quota_use (account, day, requests, per_day) VALUES (:a, :d, :r, :p) "
              "ON CONFLICT (account, day) DO UPDATE SET requests = api_quota_use.requests + "
              "excluded.requests, per_day = excluded.per_day",
      soci::use(account), soci::use(day), soci::use(static_cast<long long>(requests)),
      soci::use(static_cast<long long>(per_day));
  long long total = 0;
  session_ << "SELECT requests FROM api_quota_use WHERE account = :a AND day = :d",
      soci::use(account), soci::use(day), soci::into(total);
  return total;
}

std::vector<QuotaDay> QuotaRepository::on_day(const std::string &day) {
  std::vector<QuotaDay> out;
  soci::rowset<soci::row> rows =
      (session_.prepare << "SELECT account, day, requests, per_day FROM api_quota_use WHERE day = "
                           ":d ORDER BY account",
       soci::use(day));
  for (const auto &r : rows) {
    out.push_back(
        {r.get<std::string>(0), r.get<std::string>(1), integer_at(r, 2), integer_at(r, 3)});
  }
  return out;
}

}  // namespace junction::store
