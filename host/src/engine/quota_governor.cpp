#include "engine/quota_governor.hpp"

#include <algorithm>
#include <ctime>
#include <thread>

#include <spdlog/spdlog.h>

#include "engine/retry_policy.hpp"
#include "plugin/connector_instance.hpp"
#include "store/quota_repository.hpp"

namespace junction::engine {
namespace {

// The service counts a request when it arrives, a little after it was counted here: the
// window is kept this much longer, so that its count is never above the service's limit.
constexpr std::chrono::milliseconds arrival_margin(50);

}  // namespace

QuotaGovernor::QuotaGovernor(Clock clock) : clock_(std::move(clock)) {}

QuotaGovernor &QuotaGovernor::process() {
  static QuotaGovernor governor;
  return governor;
}

std::string QuotaGovernor::day_of(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &tm);
  return text;
}

QuotaGovernor::Account &QuotaGovernor::account(const std::string &name) {
  return accounts_[name];
}

void QuotaGovernor::roll_day(Account &a, const std::string &today) {
  if (a.day == today) return;
  a.day = today;
  a.used = 0;
  a.unsaved = 0;
}

void QuotaGovernor::configure(const std::string &name, const QuotaLimits &limits) {
  std::lock_guard lock(mutex_);
  account(name).configured = limits;
}

void QuotaGovernor::share_windows(std::shared_ptr<WindowLedger> ledger) {
  std::lock_guard lock(ledger_mutex_);
  ledger_ = std::move(ledger);
}

std::optional<std::chrono::milliseconds> QuotaGovernor::admit_shared(const std::string &name,
                                                                     const QuotaLimits &limits,
                                                                     std::int64_t requests) {
  std::lock_guard lock(ledger_mutex_);
  if (!ledger_) throw std::runtime_error("no shared ledger");
  try {
    return ledger_->admit(name, limits.window + arrival_margin, limits.per_window, requests);
  } catch (const std::exception &e) {
    spdlog::warn(
        "API accounts' windows cannot be shared with other processes any more ({}); "
        "this process keeps them on its own",
        e.what());
    ledger_.reset();
    throw;
  }
}

std::optional<std::chrono::milliseconds> QuotaGovernor::spend(
    const std::string &name, const QuotaLimits &defaults, std::int64_t requests,
    const std::function<bool()> &stopping) {
  std::unique_lock lock(mutex_);
  Account &a = account(name);
  a.defaults = defaults;
  for (;;) {
    const auto now = clock_();
    roll_day(a, day_of(now));
    const QuotaLimits limits = a.limits();
    if (limits.per_day > 0 && a.used + requests > limits.per_day) {
      const auto day_start =
          now - std::chrono::seconds(std::chrono::system_clock::to_time_t(now) % 86400);
      const auto reset = day_start + std::chrono::hours(24);
      return std::chrono::duration_cast<std::chrono::milliseconds>(reset - now);
    }
    const auto horizon = limits.window + arrival_margin;
    while (!a.window.empty() && *a.window.begin() <= now - horizon)
      a.window.erase(a.window.begin());
    std::optional<std::chrono::system_clock::duration> wait;
    if (limits.per_window > 0) {
      bool shared = false;
      {
        std::lock_guard ledger_lock(ledger_mutex_);
        shared = ledger_ != nullptr;
      }
      // The ledger's answer, when there is a ledger and it answered.
      std::optional<std::optional<std::chrono::milliseconds>> answer;
      if (shared) {
        lock.unlock();  // a ledger call may take a round trip: other accounts go on
        try {
          answer = admit_shared(name, limits, requests);
        } catch (const std::exception &) {
          // Said once by admit_shared; this process's own window goes on.
        }
        lock.lock();
      }
      if (answer) {
        if (*answer) wait = **answer;
      } else if (static_cast<std::int64_t>(a.window.size()) + requests > limits.per_window) {
        wait = *a.window.begin() + horizon - now;
      }
      if (!wait) {
        for (std::int64_t i = 0; i < requests; ++i) a.window.insert(now);
      }
    }
    if (!wait) {
      a.used += requests;
      a.unsaved += requests;
      a.lifetime += requests;
      return std::nullopt;
    }
    lock.unlock();
    if (stopping && stopping()) return std::chrono::milliseconds(0);
    std::this_thread::sleep_for(std::clamp<std::chrono::system_clock::duration>(
        *wait, std::chrono::milliseconds(1), std::chrono::milliseconds(100)));
    lock.lock();
  }
}

void QuotaGovernor::saw_saved(const std::string &name, const std::string &day, std::int64_t saved) {
  std::lock_guard lock(mutex_);
  Account &a = account(name);
  roll_day(a, day_of(clock_()));
  if (day != a.day) return;
  a.used = std::max(a.used, saved + a.unsaved);
}

std::vector<AccountUse> QuotaGovernor::take_unsaved() {
  std::lock_guard lock(mutex_);
  std::vector<AccountUse> out;
  const std::string today = day_of(clock_());
  for (auto &[name, a] : accounts_) {
    roll_day(a, today);
    if (a.unsaved == 0) continue;
    out.push_back({name, a.day, a.used, a.unsaved, a.limits()});
    a.unsaved = 0;
  }
  return out;
}

std::vector<AccountUse> QuotaGovernor::use_today() {
  std::lock_guard lock(mutex_);
  std::vector<AccountUse> out;
  const std::string today = day_of(clock_());
  for (auto &[name, a] : accounts_) {
    roll_day(a, today);
    out.push_back({name, a.day, a.used, a.unsaved, a.limits()});
  }
  return out;
}

std::map<std::string, std::pair<double, double>> QuotaGovernor::lifetime_totals() {
  std::lock_guard lock(mutex_);
  std::map<std::string, std::pair<double, double>> out;
  for (const auto &[name, a] : accounts_) {
    out[name] = {static_cast<double>(a.lifetime), static_cast<double>(a.throttled)};
  }
  return out;
}

void QuotaGovernor::note_throttled(const std::string &account) {
  std::lock_guard lock(mutex_);
  ++accounts_[account].throttled;
}

void install_quota_governor(const std::map<std::string, QuotaLimits> &configured) {
  auto &governor = QuotaGovernor::process();
  plugin::set_throttle_listener(
      [&governor](const std::string &account) { governor.note_throttled(account); });
  for (const auto &[account, limits] : configured) governor.configure(account, limits);
  plugin::set_quota_spender(
      [&governor](const plugin::QuotaAsk &ask) -> std::optional<std::chrono::milliseconds> {
        const QuotaLimits defaults{ask.per_window, std::chrono::milliseconds(ask.window_ms),
                                   ask.per_day};
        auto wait = governor.spend(ask.account, defaults, ask.requests, &stop_requested);
        if (wait && wait->count() > 0 && !stop_requested()) {
          spdlog::warn(
              "API account '{}': today's budget is spent; runs stop at their next "
              "checkpoint and can resume in {} min, after the reset (00:00 UTC)",
              ask.account, wait->count() / 60000 + 1);
          request_stop();
        }
        return wait;
      });
}

void load_quota_use(QuotaGovernor &governor, store::QuotaRepository &repository) {
  const std::string today = QuotaGovernor::day_of(std::chrono::system_clock::now());
  for (const auto &q : repository.on_day(today)) governor.saw_saved(q.account, q.day, q.requests);
}

void save_quota_use(QuotaGovernor &governor, store::QuotaRepository &repository) {
  for (const auto &u : governor.take_unsaved()) {
    const auto total = repository.add(u.account, u.day, u.unsaved, u.limits.per_day);
    governor.saw_saved(u.account, u.day, total);
  }
}

}  // namespace junction::engine
