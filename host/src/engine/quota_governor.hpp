// The host's API quota governor: one request budget per API account, shared by every
// connector, flow and sync of the process that spends that account. A rolling window
// (requests per interval, kept in a WindowLedger shared with the store's other processes
// when there is one) paces requests; a daily budget (UTC days) stops runs at their
// next checkpoint when it is spent, to resume after the reset instead of failing. Each
// day's use is saved in the state store at checkpoints, so runs of later processes (and
// `junction status`) know what was spent today.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace junction::engine {

struct QuotaLimits {
  std::int64_t per_window = 0;  // 0: no window limit
  std::chrono::milliseconds window{0};
  std::int64_t per_day = 0;  // 0: no daily limit
};

struct AccountUse {
  std::string account;
  std::string day;           // "2026-12-01" (UTC)
  std::int64_t used = 0;     // requests counted today, saved and not
  std::int64_t unsaved = 0;  // of which not yet in the store
  QuotaLimits limits;        // in force (the admin's, else the connector's)
};

// The requests admitted per account in the current window by every process that shares
// one state store (see store/quota_window_ledger.hpp): several runs of one machine, or
// several nodes on one PostgreSQL, stay within one account's window together.
class WindowLedger {
 public:
  virtual ~WindowLedger() = default;
  // Admits `requests` when they fit `limit` in the window of `horizon` before now (the
  // ledger's clock); returns nothing then, else how long until a slot may free. Throws
  // std::runtime_error when the ledger cannot be reached.
  virtual std::optional<std::chrono::milliseconds> admit(const std::string &account,
                                                         std::chrono::milliseconds horizon,
                                                         std::int64_t limit,
                                                         std::int64_t requests) = 0;
};

class QuotaGovernor {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  explicit QuotaGovernor(Clock clock = std::chrono::system_clock::now);

  // The one governor of this process.
  static QuotaGovernor &process();

  // The admin's limits for an account; they win over a connector's defaults.
  void configure(const std::string &account, const QuotaLimits &limits);
  // Windows are kept in `ledger` from now on, shared with other processes; without one (or
  // when it fails, said once) in this process only.
  void share_windows(std::shared_ptr<WindowLedger> ledger);

  // Waits until `requests` fit the account's window, then counts them. Returns nothing then;
  // the wait until the daily budget resets when it is spent (nothing counted); or zero when
  // `stopping` said so while waiting.
  std::optional<std::chrono::milliseconds> spend(const std::string &account,
                                                 const QuotaLimits &defaults, std::int64_t requests,
                                                 const std::function<bool()> &stopping);

  // What the store says was spent today on `account` (by every process so far).
  void saw_saved(const std::string &account, const std::string &day, std::int64_t saved);
  // Requests counted since the last save, per account (today's only); marks them saved.
  std::vector<AccountUse> take_unsaved();
  std::vector<AccountUse> use_today();
  // Since the process began, per account: requests spent and rate limits met (HTTP 429).
  std::map<std::string, std::pair<double, double>> lifetime_totals();
  void note_throttled(const std::string &account);

  static std::string day_of(std::chrono::system_clock::time_point t);

 private:
  struct Account {
    QuotaLimits defaults;
    std::optional<QuotaLimits> configured;
    std::string day;
    std::int64_t used = 0;
    std::int64_t unsaved = 0;
    std::int64_t lifetime = 0;
    std::int64_t throttled = 0;
    std::multiset<std::chrono::system_clock::time_point> window;  // times of recent requests
    QuotaLimits limits() const { return configured ? *configured : defaults; }
  };
  Account &account(const std::string &name);
  void roll_day(Account &a, const std::string &today);

  // Asks the ledger; nothing when admitted, the wait otherwise; throws when it failed.
  std::optional<std::chrono::milliseconds> admit_shared(const std::string &name,
                                                        const QuotaLimits &limits,
                                                        std::int64_t requests);

  Clock clock_;
  std::mutex mutex_;
  std::map<std::string, Account> accounts_;
  std::shared_ptr<WindowLedger> ledger_;
  std::mutex ledger_mutex_;  // one ledger call at a time: it holds one connection
};

}  // namespace junction::engine

namespace junction::store {
class QuotaRepository;
}

namespace junction::engine {

// Makes the process's governor answer plugins' spend_quota, with the admin's limits per
// account. When an account's daily budget is spent, runs are asked to stop at their next
// checkpoint (said once, with the time it resets).
void install_quota_governor(const std::map<std::string, QuotaLimits> &configured);

// Learns what the store says was spent today (by every process), and saves what this
// process spent since the last save, in the caller's transaction.
void load_quota_use(QuotaGovernor &governor, store::QuotaRepository &repository);
void save_quota_use(QuotaGovernor &governor, store::QuotaRepository &repository);

}  // namespace junction::engine
