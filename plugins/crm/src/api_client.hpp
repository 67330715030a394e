// Requests to the CRM's API: the SDK's API caller (the account's budget kept by the host,
// rate-limit waits, status meanings) with the CRM's error messages, its rate-limit
// headers and JSON bodies.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "crm_settings.hpp"
#include "junction/connector.hpp"
#include "junction/http/api_caller.hpp"

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
  http::ApiCaller caller_;
};

// "HTTP 400: Property values were not valid ... (VALIDATION_ERROR)", from the API's body.
std::string api_message(const HttpResponse &response);

// The wait a 429 or 503 asks for, in milliseconds: Retry-After (seconds), else the rate
// limit's interval; `fallback` when neither says.
std::int64_t retry_after_ms(const HttpResponse &response, std::int64_t fallback);

}  // namespace junction::crm
