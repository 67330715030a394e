#include "junction/http/http_client.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>

#include <curl/curl.h>

namespace junction::http {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t on_body(char *data, std::size_t size, std::size_t count, void *user) {
  static_cast<std::string *>(user)->append(data, size * count);
  return size * count;
}

std::size_t on_header(char *data, std::size_t size, std::size_t count, void *user) {
  const std::string line(data, size * count);
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string value = line.substr(colon + 1);
    const auto first = value.find_first_not_of(" \t");
    const auto last = value.find_last_not_of(" \t\r\n");
    value = first == std::string::npos ? std::string() : value.substr(first, last - first + 1);
    static_cast<std::map<std::string, std::string> *>(user)->insert_or_assign(name, value);
  }
  return size * count;
}

}  // namespace

std::string url_encode(const std::string &text) {
  static const char *hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

HttpClient::HttpClient(HttpSettings settings) : settings_(std::move(settings)) {
  global_init();
  curl_ = curl_easy_init();
  if (curl_ == nullptr) throw TransportFailure{"cannot start an HTTP client"};
  curl_slist *list = curl_slist_append(nullptr, "Accept: application/json");
  list = curl_slist_append(list, "Content-Type: application/json");
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip before each body
  headers_ = list;
}

HttpClient::~HttpClient() {
  curl_slist_free_all(static_cast<curl_slist *>(headers_));
  curl_easy_cleanup(static_cast<CURL *>(curl_));
}

HttpResponse HttpClient::request(const std::string &method, const std::string &path,
                                 const std::string *body) {
  CURL *curl = static_cast<CURL *>(curl_);
  HttpResponse response;
  const std::string url = settings_.base_url + path;
  curl_easy_reset(curl);  // keeps the connection cache: the next request reuses it
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, static_cast<curl_slist *>(headers_));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // every encoding curl can decode
  curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(settings_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT,
                   static_cast<long>(settings_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  switch (settings_.auth.scheme) {
    case HttpAuth::Scheme::none: break;
    case HttpAuth::Scheme::bearer:
      curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
      curl_easy_setopt(curl, CURLOPT_XOAUTH2_BEARER, settings_.auth.secret.c_str());
      break;
    case HttpAuth::Scheme::basic:
      curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
      curl_easy_setopt(curl, CURLOPT_USERNAME, settings_.auth.user.c_str());
      curl_easy_setopt(curl, CURLOPT_PASSWORD, settings_.auth.secret.c_str());
      break;
  }
  if (!settings_.ca_bundle.empty())
    curl_easy_setopt(curl, CURLOPT_CAINFO, settings_.ca_bundle.c_str());
  if (body != nullptr) {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  }
  if (body == nullptr && method == "POST") {  // a POST without a body still posts
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(0));
  }
  if (method != "GET" && method != "POST") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  ++requests_;
  const CURLcode code = curl_easy_perform(curl);
  if (code != CURLE_OK) {
    // curl's words name the host and the failure, never the request's headers.
    throw TransportFailure{std::string(method) + " " + settings_.base_url +
                           path.substr(0, path.find('?')) + ": " + curl_easy_strerror(code)};
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace junction::http
