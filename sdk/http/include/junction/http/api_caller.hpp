// Requests to a service's API with the policy every API connector needs around them: the
// account's request budget (kept by the host, see Host::spend_quota), waiting out rate
// limits the service announces (up to a limit, giving up at once when the run stops),
// and what each HTTP status means: 429, 5xx, 408 and lost connections are worth
// retrying (TransientError, with the service's Retry-After for the host); 401 and 403
// stop the connector (FatalError); other answers go back to the caller, whose records
// they concern.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "junction/connector.hpp"
#include "junction/http/http_client.hpp"

namespace junction::http {

struct ApiPolicy {
  std::string service = "the service";          // in messages: "rate limited by the CRM"
  std::string credentials = "the credentials";  // "the CRM refused the token"
  std::string account;                          // the quota account (never the secret itself)
  Host::QuotaDefaults quota;
  std::chrono::seconds max_rate_limit_wait{60};
  // "HTTP 400: <the API's message>" from the service's error body; the default says
  // only the status.
  std::function<std::string(const HttpResponse &)> describe;
  // The wait a 429 or 503 asks for in milliseconds, `fallback` when it says none; the
  // default reads Retry-After (seconds).
  std::function<std::int64_t(const HttpResponse &, std::int64_t fallback)> retry_after;
  // What to tell the admin on 401 and 403 (after the service's message).
  std::string on_refused_credentials = "check the secret reference in the connector's config";
  std::string on_forbidden = "give the credentials the permissions the connector's README lists";
};

// Retry-After in seconds, as milliseconds; `fallback` when absent or not a number.
std::int64_t retry_after_header_ms(const HttpResponse &response, std::int64_t fallback);

class ApiCaller {
 public:
  ApiCaller(HttpSettings settings, ApiPolicy policy, Host host);

  // The answer to a request, unless it was one of those the policy handles (see above).
  HttpResponse send(const std::string &method, const std::string &path,
                    const std::string *body = nullptr);

  std::string describe(const HttpResponse &response) const;
  const ApiPolicy &policy() const { return policy_; }
  long requests_sent() const { return http_.requests_sent(); }

 private:
  // False when the run began stopping before `duration` passed.
  bool sleep_unless_stopping(std::chrono::milliseconds duration) const;

  HttpClient http_;
  ApiPolicy policy_;
  Host host_;
};

}  // namespace junction::http
