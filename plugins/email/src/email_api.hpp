// Requests to the email platform's API: the SDK's API caller (the host's budget, rate-limit
// waits, status meanings) with the platform's problem-details messages, JSON bodies, and
// its limit of simultaneous connections per account, shared by every source and sink of
// the process.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "email_settings.hpp"
#include "junction/connector.hpp"
#include "junction/http/api_caller.hpp"

namespace junction::email {

// MD5 of the lower-cased address, in hex: the member's ID in the API.
std::string subscriber_hash(const std::string &email);

// "Member In Compliance State: a@b.org is already ..." from a problem-details body.
std::string problem_message(const HttpResponse &response);

class EmailApi {
 public:
  EmailApi(const EmailSettings &settings, Host host);

  // The answer, unless the caller's policy handled it (throws TransientError or
  // FatalError then). Waits for one of the account's connection slots first.
  HttpResponse send(const std::string &method, const std::string &path,
                    const nlohmann::json *body = nullptr);

  // A 2xx answer's JSON; throws TransientError when it is not JSON.
  static nlohmann::json json_of(const HttpResponse &response, const std::string &what);

 private:
  http::ApiCaller caller_;
  Host host_;
  std::string account_;
  int max_connections_;
};

}  // namespace junction::email
