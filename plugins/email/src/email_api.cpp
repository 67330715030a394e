#include "email_api.hpp"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>

#include <openssl/evp.h>

#include "junction/errors.hpp"

namespace junction::email {
namespace {

// Slots of simultaneous requests per account, for every connector of the process.
class ConnectionSlots {
 public:
  static ConnectionSlots &process() {
    static ConnectionSlots slots;
    return slots;
  }
  // False when the run began stopping while waiting.
  bool acquire(const std::string &account, int max, const Host &host) {
    std::unique_lock lock(mutex_);
    while (in_use_[account] >= max) {
      if (host.stopping()) return false;
      freed_.wait_for(lock, std::chrono::milliseconds(100));
    }
    ++in_use_[account];
    return true;
  }
  void release(const std::string &account) {
    {
      std::lock_guard lock(mutex_);
      --in_use_[account];
    }
    freed_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable freed_;
  std::map<std::string, int> in_use_;
};

http::ApiPolicy email_policy(const EmailSettings &settings) {
  http::ApiPolicy policy;
  policy.service = "the email platform";
  policy.credentials = "the API key";
  policy.account = settings.account;
  policy.max_rate_limit_wait = settings.max_rate_limit_wait;
  policy.describe = problem_message;
  policy.on_refused_credentials = "check the api_key reference in the connector's config";
  policy.on_forbidden =
      "the key's user needs access to the audience (see the email connector's "
      "README)";
  return policy;
}

}  // namespace

std::string subscriber_hash(const std::string &email) {
  std::string text = email;
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &size, EVP_md5(), nullptr) != 1) {
    throw FatalError("cannot compute a subscriber hash (MD5 unavailable)");
  }
  static const char *hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

std::string problem_message(const HttpResponse &response) {
  std::string message = "HTTP " + std::to_string(response.status);
  try {
    const auto body = nlohmann::json::parse(response.body);
    if (!body.is_object()) return message;
    const std::string title = body.value("title", "");
    std::string detail = body.value("detail", "");
    if (detail.size() > 500) detail = detail.substr(0, 500) + "...";
    if (!title.empty()) message += ": " + title;
    if (!detail.empty()) message += (title.empty() ? ": " : " — ") + detail;
  } catch (const nlohmann::json::exception &) {
    // Not the API's JSON (a proxy's page): the status says enough.
  }
  return message;
}

EmailApi::EmailApi(const EmailSettings &settings, Host host)
    : caller_(settings.http, email_policy(settings), host),
      host_(host),
      account_(settings.account),
      max_connections_(std::max(1, settings.max_connections)) {}

HttpResponse EmailApi::send(const std::string &method, const std::string &path,
                            const nlohmann::json *body) {
  auto &slots = ConnectionSlots::process();
  if (!slots.acquire(account_, max_connections_, host_)) {
    throw TransientError("stopping while waiting for a free connection to the email platform");
  }
  struct Release {
    ConnectionSlots &slots;
    const std::string &account;
    ~Release() { slots.release(account); }
  } release{slots, account_};
  if (body == nullptr) return caller_.send(method, path);
  const std::string text = body->dump();
  return caller_.send(method, path, &text);
}

nlohmann::json EmailApi::json_of(const HttpResponse &response, const std::string &what) {
  try {
    return nlohmann::json::parse(response.body);
  } catch (const nlohmann::json::exception &) {
    throw TransientError(what + ": the email platform answered HTTP " +
                         std::to_string(response.status) + " with a body that is not JSON");
  }
}

}  // namespace junction::email
