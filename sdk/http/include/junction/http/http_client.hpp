// One HTTP connection to a service's API through libcurl: kept alive between requests
// (HTTP/1.1 keep-alive, or HTTP/2 over TLS where the server offers it), gzip, timeouts,
// TLS verification always on, JSON bodies. Not thread-safe: one client per source or sink.
// Part of the SDK's optional HTTP component (Junction::sdk_http) for API connectors.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>

namespace junction::http {

// How requests prove who sends them; the secret is never logged.
struct HttpAuth {
  enum class Scheme { none, bearer, basic };
  Scheme scheme = Scheme::none;
  std::string user;    // basic only
  std::string secret;  // the bearer token, or the basic password (an API key)
};

struct HttpSettings {
  std::string base_url;  // "https://api.example.com", no trailing slash
  HttpAuth auth;
  std::string ca_bundle;  // empty: the system's CA store
  std::chrono::seconds timeout{30};
  std::chrono::seconds connect_timeout{10};
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case

  std::string header(const std::string &lower_name) const {
    const auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// A request that never reached an answer: connection refused, timeout, TLS failure.
struct TransportFailure {
  std::string message;
};

class HttpClient {
 public:
  explicit HttpClient(HttpSettings settings);
  ~HttpClient();
  HttpClient(const HttpClient &) = delete;
  HttpClient &operator=(const HttpClient &) = delete;

  // `path` starts with '/'; `body` is JSON or null. Throws TransportFailure when no HTTP
  // answer came.
  HttpResponse request(const std::string &method, const std::string &path,
                       const std::string *body = nullptr);

  // How many requests this client has sent (for logs and tests).
  long requests_sent() const { return requests_; }

 private:
  HttpSettings settings_;
  void *curl_ = nullptr;     // CURL*, kept so the connection is reused
  void *headers_ = nullptr;  // curl_slist*
  long requests_ = 0;
};

// Percent-encodes a URL component.
std::string url_encode(const std::string &text);

}  // namespace junction::http
