// The crm connector's config, read once when the connector is created (no I/O there).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "junction/http/http_client.hpp"

namespace junction::crm {

using http::HttpResponse;
using http::HttpSettings;
using http::url_encode;

struct EntitySettings {
  std::string object_type;                     // "contacts", "companies", "deals", "2-1234567"
  std::vector<std::string> properties;         // read and described; empty: what the flow names
  std::optional<std::string> unique_property;  // upserts by it: "email" for contacts
  std::string modified_property;               // "lastmodifieddate" for contacts
  bool read_deletes = true;                    // incremental reads report archived objects
};

struct CrmSettings {
  HttpSettings http;
  std::map<std::string, EntitySettings> entities;
  std::chrono::seconds max_rate_limit_wait{60};  // longest wait for a 429's Retry-After
  // The account's request budget, as this connector knows it (the admin's "accounts" in
  // the host config override it): requests per rolling window and per day (0: none).
  std::int64_t requests_per_window = 0;
  std::chrono::milliseconds window{10000};
  std::int64_t requests_per_day = 0;
  std::string account;         // the budget's key: configured, or derived from the URL and token
  std::string webhook_secret;  // the app's client secret, which signs webhooks
  std::chrono::seconds webhook_max_age{300};

  const EntitySettings &entity(const std::string &name) const;
};

// Throws ConfigError naming what is wrong.
CrmSettings parse_settings(const std::string &config_json);

}  // namespace junction::crm
