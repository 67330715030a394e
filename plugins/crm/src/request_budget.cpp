#include "request_budget.hpp"

#include <map>
#include <thread>

#include "junction/errors.hpp"

namespace junction::crm {

RequestBudget::Ticket RequestBudget::acquire(const std::function<bool()> &stopping) {
  std::unique_lock lock(mutex_);
  if (per_window_ <= 0) return sent_.end();
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    while (!sent_.empty() && *sent_.begin() <= now - window_) sent_.erase(sent_.begin());
    if (static_cast<std::int64_t>(sent_.size()) < per_window_) {
      return sent_.insert(std::chrono::steady_clock::time_point::max());
    }
    // Full of requests still in flight: look again shortly.
    const auto oldest = *sent_.begin();
    const auto wake = oldest == std::chrono::steady_clock::time_point::max()
                          ? now + std::chrono::milliseconds(10)
                          : oldest + window_ + std::chrono::milliseconds(1);
    lock.unlock();
    if (stopping()) throw TransientError("stopping while waiting for the account's request budget");
    std::this_thread::sleep_until(std::min(wake, now + std::chrono::milliseconds(100)));
    lock.lock();
  }
}

void RequestBudget::answered(Ticket ticket) {
  std::lock_guard lock(mutex_);
  if (ticket == sent_.end()) return;
  sent_.erase(ticket);
  sent_.insert(std::chrono::steady_clock::now());
}

std::shared_ptr<RequestBudget> RequestBudget::of(const std::string &account,
                                                 std::int64_t per_window,
                                                 std::chrono::milliseconds window) {
  static std::mutex registry_mutex;
  // Kept for the life of the process: the next flow must see what the last one spent.
  static std::map<std::string, std::shared_ptr<RequestBudget>> registry;
  std::lock_guard lock(registry_mutex);
  const std::string key =
      account + "|" + std::to_string(per_window) + "|" + std::to_string(window.count());
  auto &budget = registry[key];
  if (!budget) budget = std::make_shared<RequestBudget>(per_window, window);
  return budget;
}

}  // namespace junction::crm
