#include "api_client.hpp"

#include <thread>

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
  const auto parse = [](const std::string &text) -> std::int64_t {
    try {
      std::size_t used = 0;
      const long long v = std::stoll(text, &used);
      return used == text.size() && v >= 0 ? v : -1;
    } catch (const std::exception &) {
      return -1;
    }
  };
  if (const auto seconds = parse(response.header("retry-after")); seconds >= 0) {
    return seconds * 1000;
  }
  if (const auto interval = parse(response.header("x-hubspot-ratelimit-interval-milliseconds"));
      interval > 0 && response.status == 429) {
    return interval;
  }
  return fallback;
}

ApiClient::ApiClient(const CrmSettings &settings, Host host)
    : http_(settings.http),
      host_(host),
      account_(settings.account),
      quota_defaults_{settings.requests_per_window, settings.window, settings.requests_per_day},
      max_wait_(settings.max_rate_limit_wait) {}

bool ApiClient::sleep_unless_stopping(std::chrono::milliseconds duration) const {
  const auto until = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < until) {
    if (host_.stopping()) return false;
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
        std::chrono::milliseconds(100), std::chrono::duration_cast<std::chrono::milliseconds>(
                                            until - std::chrono::steady_clock::now())));
  }
  return true;
}

HttpResponse ApiClient::get(const std::string &path) {
  return send("GET", path, nullptr);
}

HttpResponse ApiClient::post(const std::string &path, const nlohmann::json &body) {
  const std::string text = body.dump();
  return send("POST", path, &text);
}

nlohmann::json ApiClient::json_of(const HttpResponse &response, const std::string &what) {
  try {
    return nlohmann::json::parse(response.body);
  } catch (const nlohmann::json::exception &) {
    throw TransientError(what + ": the CRM answered HTTP " + std::to_string(response.status) +
                         " with a body that is not JSON");
  }
}

HttpResponse ApiClient::send(const std::string &method, const std::string &path,
                             const std::string *body) {
  const std::string what = method + " " + path.substr(0, path.find('?'));
  std::chrono::milliseconds waited(0);
  for (;;) {
    // The host's governor paces the account's requests for every flow of the process and
    // counts the day's use; it throws TransientError when the day's budget is spent.
    host_.spend_quota(account_, quota_defaults_);
    HttpResponse response;
    try {
      response = body != nullptr ? http_.post(path, *body) : http_.get(path);
    } catch (const TransportFailure &failure) {
      throw TransientError(failure.message);
    }
    const long status = response.status;
    if (status == 429) {
      const std::chrono::milliseconds wait(retry_after_ms(response, 1000));
      if (waited + wait > max_wait_) {
        throw TransientError(what + ": rate limited by the CRM (" + api_message(response) + ")",
                             wait.count());
      }
      host_.log(LogLevel::info, what + ": rate limited by the CRM; waiting " +
                                    std::to_string(wait.count()) + " ms as it asked");
      if (!sleep_unless_stopping(wait)) {
        throw TransientError(what + ": stopping while waiting out the CRM's rate limit",
                             wait.count());
      }
      waited += wait;
      continue;
    }
    if (status == 401) {
      throw FatalError("the CRM refused the token (" + api_message(response) +
                       "); check the token reference in the connector's config");
    }
    if (status == 403) {
      throw FatalError("the token may not do this (" + api_message(response) + ") on " + what +
                       "; give the app the scopes listed in the crm connector's README");
    }
    if (status >= 500 || status == 408) {
      throw TransientError(what + ": " + api_message(response), retry_after_ms(response, 0));
    }
    return response;
  }
}

}  // namespace junction::crm
