// The email connector's config, read once when the connector is created (no I/O there).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "junction/http/http_client.hpp"
#include "message_template.hpp"

namespace junction::email {

using http::HttpResponse;
using http::HttpSettings;
using http::url_encode;

struct AudienceSettings {
  std::string list_id;
  std::string status_if_new = "subscribed";  // a new member's status when the record has none
  std::vector<std::string> merge_fields;     // read and described: "FNAME", "LNAME"
  bool delete_permanently = false;           // deletes archive unless the admin says so
  std::size_t bulk_from = 20;  // upserts in a batch from which batch subscribe is used
};

// An entity whose records each become one message through SMTP.
struct MessageSettings {
  MessageTemplate message;
  std::string to_field = "email";  // the record field holding the recipient's address
  bool once = true;                // one message per record ever (a welcome); false: one per change
};

struct SmtpSettings {
  std::string url;  // smtp://host:587 (STARTTLS) or smtps://host:465
  std::string username;
  std::string password;  // never logged
  bool starttls = true;  // false only when the admin says "tls": "none"
  std::string ca_bundle;
  std::chrono::seconds timeout{30};
};

struct EmailSettings {
  HttpSettings http;
  std::map<std::string, AudienceSettings> entities;
  std::map<std::string, MessageSettings> messages;
  std::optional<SmtpSettings> smtp;
  std::chrono::seconds max_rate_limit_wait{60};
  int max_connections = 10;  // the platform's limit of simultaneous connections per account
  std::string account;       // the budget's key: configured, or derived from the URL and key

  const AudienceSettings &entity(const std::string &name) const;
  bool is_message(const std::string &name) const { return messages.contains(name); }
};

// The data centre of an API key ("...-us6" gives "us6"); empty when it names none.
std::string data_centre_of(const std::string &api_key);

// Throws ConfigError naming what is wrong.
EmailSettings parse_settings(const std::string &config_json);

}  // namespace junction::email
