// Sends alert events to where the config says: a webhook (one JSON object per event,
// POSTed), email through an SMTP server, and always the log. Sending happens on a thread of
// its own so that a slow receiver never holds up a run; each event is tried three times.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/alert_rules.hpp"
#include "config/service_config.hpp"

namespace junction::app {

// The webhook body: {"status", "alert", "subject", "summary", "starts_at", "ends_at"?, "service"}.
nlohmann::json alert_json(const AlertEvent &event, const std::string &service_name);

class AlertSender {
 public:
  explicit AlertSender(std::string service_name);
  ~AlertSender();
  AlertSender(const AlertSender &) = delete;
  AlertSender &operator=(const AlertSender &) = delete;

  void set_channels(std::vector<config::AlertChannel> channels);
  void send(const std::vector<AlertEvent> &events);
  // Waits until every event queued so far was sent or given up (bounded by the retries).
  void drain();

 private:
  void loop();
  void deliver(const AlertEvent &event, const std::vector<config::AlertChannel> &channels);
  std::string service_name_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<AlertEvent> queue_;
  std::vector<config::AlertChannel> channels_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace junction::app
