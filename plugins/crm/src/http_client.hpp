// One HTTP connection to the CRM through libcurl: kept alive between requests (HTTP/1.1
// keep-alive, or HTTP/2 over TLS where the server offers it), gzip, timeouts, TLS
// verification always on. Not thread-safe: one client per source or sink.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>

namespace junction::crm {

struct HttpSettings {
  std::string base_url;   // "https://api.hubapi.com", no trailing slash
  std::string token;      // sent as a bearer token, never logged
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

  // `path` starts with '/'. Throws TransportFailure when no HTTP answer came.
  HttpResponse get(const std::string &path);
  HttpResponse post(const std::string &path, const std::string &json_body);

  // How many requests this client has sent (for logs and tests).
  long requests_sent() const { return requests_; }

 private:
  HttpResponse perform(const std::string &method, const std::string &path, const std::string *body);

  HttpSettings settings_;
  void *curl_ = nullptr;     // CURL*, kept so the connection is reused
  void *headers_ = nullptr;  // curl_slist*
  long requests_ = 0;
};

// Percent-encodes a URL component.
std::string url_encode(const std::string &text);

}  // namespace junction::crm
