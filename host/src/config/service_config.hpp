// The service's part of the config: where the admin API listens and who may call it, how
// many runs may go at once, and which alerts go where. Read by `junction run`; checked
// by every command that loads the config.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/diagnostic.hpp"

namespace junction::config {

struct ServiceConfig {
  std::string listen_host = "127.0.0.1";
  int listen_port = 8787;
  std::map<std::string, std::string> tokens;  // token name -> token (a secret)
  std::string tls_certificate;                // absolute paths; empty: plain HTTP
  std::string tls_key;
  int workers = 4;
  bool exclusive = true;  // one service per state store
};

// One alert rule. `when` names the condition; the threshold fields it uses are set.
struct AlertRule {
  std::string name;            // as configured, or "<when>" when none
  std::string pointer;         // "/alerts/rules/<i>"
  std::string when;            // run_failed, no_success_for, error_queue_above, volume_unusual,
                               // latency_above, budget_used_above
  std::set<std::string> jobs;  // flows and syncs it watches; empty: every one
  std::chrono::milliseconds duration{0};  // no_success_for, latency_above
  std::int64_t count = 0;                 // error_queue_above
  double factor = 10;                     // volume_unusual: outside [median/k, median*k]
  int runs = 10;                          // volume_unusual: how many past runs the median spans
  double percent = 80;                    // budget_used_above
  std::string account;                    // budget_used_above; empty: every account
};

// Where alerts go, besides the log (which always gets them).
struct AlertChannel {
  std::string kind;  // webhook or email
  std::string pointer;
  std::string url;  // webhook URL, or the SMTP server's smtp:// or smtps:// URL
  std::string from;
  std::vector<std::string> to;
  std::string username;   // SMTP login, optional
  std::string password;   // a secret
  std::string ca_bundle;  // verifies the SMTP server instead of the system's CAs
};

struct AlertsConfig {
  std::vector<AlertRule> rules;
  std::vector<AlertChannel> channels;
  std::chrono::milliseconds check_every{15000};
};

// Builds both from the document; problems the schema cannot see (a token written in clear,
// a listen address that does not parse, a TLS file missing) are appended. `secret_pointers`
// tells which values came from references.
void read_service_config(const nlohmann::json &doc, const std::string &file,
                         const std::set<std::string> &secret_pointers, ServiceConfig &service,
                         Diagnostics &problems);
void read_alerts_config(const nlohmann::json &doc, const std::string &file,
                        const std::set<std::string> &job_names, AlertsConfig &alerts,
                        Diagnostics &problems);

}  // namespace junction::config
