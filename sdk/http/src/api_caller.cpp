#include "junction/http/api_caller.hpp"

#include <algorithm>
#include <thread>

#include "junction/errors.hpp"

namespace junction::http {

std::int64_t retry_after_header_ms(const HttpResponse &response, std::int64_t fallback) {
  const std::string text = response.header("retry-after");
  try {
    std::size_t used = 0;
    const long long seconds = std::stoll(text, &used);
    if (used == text.size() && seconds >= 0) return seconds * 1000;
  } catch (const std::exception &) {
    // An HTTP date or nothing: the fallback.
  }
  return fallback;
}

ApiCaller::ApiCaller(HttpSettings settings, ApiPolicy policy, Host host)
    : http_(std::move(settings)), policy_(std::move(policy)), host_(host) {}

std::string ApiCaller::describe(const HttpResponse &response) const {
  return policy_.describe ? policy_.describe(response) : "HTTP " + std::to_string(response.status);
}

bool ApiCaller::sleep_unless_stopping(std::chrono::milliseconds duration) const {
  const auto until = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < until) {
    if (host_.stopping()) return false;
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
        std::chrono::milliseconds(100), std::chrono::duration_cast<std::chrono::milliseconds>(
                                            until - std::chrono::steady_clock::now())));
  }
  return true;
}

HttpResponse ApiCaller::send(const std::string &method, const std::string &path,
                             const std::string *body) {
  const std::string what = method + " " + path.substr(0, path.find('?'));
  const auto retry_after = [this](const HttpResponse &r, std::int64_t fallback) {
    return policy_.retry_after ? policy_.retry_after(r, fallback)
                               : retry_after_header_ms(r, fallback);
  };
  std::chrono::milliseconds waited(0);
  for (;;) {
    // The host's governor paces the account's requests for every flow of the process and
    // counts the day's use; it throws TransientError when the day's budget is spent.
    host_.spend_quota(policy_.account, policy_.quota);
    HttpResponse response;
    try {
      response = http_.request(method, path, body);
    } catch (const TransportFailure &failure) {
      throw TransientError(failure.message);
    }
    const long status = response.status;
    if (status == 429) {
      const std::chrono::milliseconds wait(retry_after(response, 1000));
      if (waited + wait > policy_.max_rate_limit_wait) {
        throw TransientError(
            what + ": rate limited by " + policy_.service + " (" + describe(response) + ")",
            wait.count());
      }
      host_.set_retry_after(wait.count());  // the host counts the account's rate limits
      host_.log(LogLevel::info, what + ": rate limited by " + policy_.service + "; waiting " +
                                    std::to_string(wait.count()) + " ms as it asked");
      if (!sleep_unless_stopping(wait)) {
        throw TransientError(
            what + ": stopping while waiting out " + policy_.service + "'s rate limit",
            wait.count());
      }
      waited += wait;
      continue;
    }
    if (status == 401) {
      throw FatalError(policy_.service + " refused " + policy_.credentials + " (" +
                       describe(response) + "); " + policy_.on_refused_credentials);
    }
    if (status == 403) {
      throw FatalError(policy_.credentials + " may not do this (" + describe(response) + ") on " +
                       what + "; " + policy_.on_forbidden);
    }
    if (status >= 500 || status == 408) {
      throw TransientError(what + ": " + describe(response), retry_after(response, 0));
    }
    return response;
  }
}

}  // namespace junction::http
