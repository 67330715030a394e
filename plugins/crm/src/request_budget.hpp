// A rolling-window request budget per CRM account, shared by every source and sink of
// this process that spends that account: a request waits until the window has room, so
// the service never has to refuse one with a 429.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace junction::crm {

class RequestBudget {
 public:
  RequestBudget(std::int64_t per_window, std::chrono::milliseconds window)
      : per_window_(per_window), window_(window) {}

  using Ticket = std::multiset<std::chrono::steady_clock::time_point>::iterator;

  // Blocks until one more request fits in the window, then counts it from now until its
  // answer came plus the window: the service counted it somewhere in between, so the
  // window here never holds fewer requests than the service's.
  // `stopping` is polled while waiting; when it says so, acquire throws TransientError.
  Ticket acquire(const std::function<bool()> &stopping);
  void answered(Ticket ticket);

  // The budget of `account`, made on first use; per_window 0 gives one that never waits.
  static std::shared_ptr<RequestBudget> of(const std::string &account, std::int64_t per_window,
                                           std::chrono::milliseconds window);

 private:
  std::int64_t per_window_;
  std::chrono::milliseconds window_;
  std::mutex mutex_;
  std::multiset<std::chrono::steady_clock::time_point> sent_;  // max(): still in flight
};

}  // namespace junction::crm
