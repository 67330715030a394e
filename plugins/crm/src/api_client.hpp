// Requests to the CRM's API with the connector's policy around them: the account's
// request budget (kept by the host), waiting out rate limits the service announces, and what each
// HTTP status means (HTTP 429, 5xx and lost connections are worth retrying; 401 and 403 stop the
// connector; other 4xx belong to the records sent).
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "crm_settings.hpp"
#include "http_client.hpp"
#include "junction/connector.hpp"

namespace junction::crm {

class ApiClient {
 public:
  ApiClient(const CrmSettings &settings, Host host);

  // The response of a request the service answered with 2xx or a 4xx other than 401, 403
  // and 429. Throws TransientError (after waiting out 429s up to the configured limit) or
  // FatalError.
  HttpResponse get(const std::string &path);
  HttpResponse post(const std::string &path, const nlohmann::json &body);

  // A 2xx response's JSON; throws TransientError when it is not JSON.
  static nlohmann::json json_of(const HttpResponse &response, const std::string &what);

 private:
  HttpResponse send(const std::string &method, const std::string &path, const std::string *body);
  // False when the run began stopping before `duration` passed.
  bool sleep_unless_stopping(std::chrono::milliseconds duration) const;

  HttpClient http_;
  Host host_;
  std::string account_;
  Host::QuotaDefaults quota_defaults_;
  std::chrono::seconds max_wait_;
};

// "HTTP 400: Property values were not valid ... (VALIDATION_ERROR)", from the API's body.
std::string api_message(const HttpResponse &response);

// The wait a 429 or 503 asks for, in milliseconds: Retry-After (seconds), else the rate
// limit's interval; `fallback` when neither says.
std::int64_t retry_after_ms(const HttpResponse &response, std::int64_t fallback);

}  // namespace junction::crm
