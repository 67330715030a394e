#include "api_client.hpp"

#include "junction/errors.hpp"

namespace junction::crm {

std::string api_message(const HttpResponse &response) {
  std::string message = "HTTP " + std::to_string(response.status);
  try {
    const auto body = nlohmann::json::parse(response.body);
    if (body.is_object() && body.contains("message") && body["message"].is_string()) {
      std::string text = body["message"].get<std::string>();
      if (text.size() > 500) text = text.substr(0, 500) + "...";
      message += ": " + text;
      if (body.contains("category") && body["category"].is_string()) {
        message += " (" + body["category"].get<std::string>() + ")";
      }
    }
  } catch (const nlohmann::json::exception &) {
    // A body that is not the API's JSON (a proxy's page): the status says enough.
  }
  return message;
}

std::int64_t retry_after_ms(const HttpResponse &response, std::int64_t fallback) {
  if (const auto ms = http::retry_after_header_ms(response, -1); ms >= 0) return ms;
  try {
    const std::string text = response.header("x-hubspot-ratelimit-interval-milliseconds");
    std::size_t used = 0;
    const long long interval = std::stoll(text, &used);
    if (used == text.size() && interval > 0 && response.status == 429) return interval;
  } catch (const std::exception &) {
    // No interval header: the fallback.
  }
  return fallback;
}

namespace {

http::ApiPolicy crm_policy(const CrmSettings &settings) {
  http::ApiPolicy policy;
  policy.service = "the CRM";
  policy.credentials = "the token";
  policy.account = settings.account;
  policy.quota = {settings.requests_per_window, settings.window, settings.requests_per_day};
  policy.max_rate_limit_wait = settings.max_rate_limit_wait;
  policy.describe = api_message;
  policy.retry_after = retry_after_ms;
  policy.on_refused_credentials = "check the token reference in the connector's config";
  policy.on_forbidden = "give the app the scopes listed in the crm connector's README";
  return policy;
}

}  // namespace

ApiClient::ApiClient(const CrmSettings &settings, Host host)
    : caller_(settings.http, crm_policy(settings), host) {}

HttpResponse ApiClient::get(const std::string &path) {
  return caller_.send("GET", path);
}

HttpResponse ApiClient::post(const std::string &path, const nlohmann::json &body) {
  const std::string text = body.dump();
  return caller_.send("POST", path, &text);
}

nlohmann::json ApiClient::json_of(const HttpResponse &response, const std::string &what) {
  try {
    return nlohmann::json::parse(response.body);
  } catch (const nlohmann::json::exception &) {
    throw TransientError(what + ": the CRM answered HTTP " + std::to_string(response.status) +
                         " with a body that is not JSON");
  }
}

}  // namespace junction::crm
