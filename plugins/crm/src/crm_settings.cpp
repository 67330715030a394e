#include "crm_settings.hpp"

#include <functional>

#include <nlohmann/json.hpp>

#include "junction/errors.hpp"

namespace junction::crm {

const EntitySettings &CrmSettings::entity(const std::string &name) const {
  const auto it = entities.find(name);
  if (it == entities.end()) {
    std::string known;
    for (const auto &[n, e] : entities) known += (known.empty() ? "" : ", ") + n;
    throw ConfigError("no entity '" + name + "' in the crm connector's config (it has: " + known +
                      ")");
  }
  return it->second;
}

CrmSettings parse_settings(const std::string &config_json) {
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(config_json);
  } catch (const nlohmann::json::exception &e) {
    throw ConfigError(std::string("the config is not JSON: ") + e.what());
  }
  CrmSettings s;
  s.http.base_url = config.value("base_url", "https://api.hubapi.com");
  while (!s.http.base_url.empty() && s.http.base_url.back() == '/') s.http.base_url.pop_back();
  if (s.http.base_url.rfind("https://", 0) != 0 && s.http.base_url.rfind("http://", 0) != 0) {
    throw ConfigError("base_url must start with https:// (or http:// for a local test service)");
  }
  const std::string token = config.value("token", "");
  if (token.empty()) throw ConfigError("token is required (a secret reference)");
  s.http.auth = {http::HttpAuth::Scheme::bearer, "", token};
  s.http.ca_bundle = config.value("ca_bundle", "");
  s.http.timeout = std::chrono::seconds(config.value("timeout_seconds", 30));
  s.http.connect_timeout = std::chrono::seconds(config.value("connect_timeout_seconds", 10));
  s.max_rate_limit_wait = std::chrono::seconds(config.value("max_rate_limit_wait_seconds", 60));
  if (config.contains("budget")) {
    const auto &b = config["budget"];
    s.requests_per_window = b.value("requests", std::int64_t{0});
    s.window = std::chrono::milliseconds(b.value("window_ms", std::int64_t{10000}));
  }
  // The budget is the account's: two connectors with one token share it. The key holds a
  // hash of the token, never the token.
  s.webhook_secret = config.value("webhook_secret", "");
  s.webhook_max_age = std::chrono::seconds(config.value("webhook_max_age_seconds", 300));
  s.account = config.value("account",
                           s.http.base_url + "#" + std::to_string(std::hash<std::string>{}(token)));
  const auto entities = config.value("entities", nlohmann::json::object());
  for (const auto &[name, e] : entities.items()) {
    EntitySettings entity;
    entity.object_type = e.value("object_type", name);
    entity.properties = e.value("properties", std::vector<std::string>{});
    if (e.contains("unique_property")) {
      const auto u = e["unique_property"];
      if (u.is_string() && !u.get<std::string>().empty())
        entity.unique_property = u.get<std::string>();
    } else if (entity.object_type == "contacts") {
      entity.unique_property = "email";
    }
    entity.modified_property = e.value(
        "modified_property", entity.object_type == "contacts" ? std::string("lastmodifieddate")
                                                              : std::string("hs_lastmodifieddate"));
    entity.read_deletes = e.value("read_deletes", true);
    s.entities.emplace(name, std::move(entity));
  }
  if (s.entities.empty()) throw ConfigError("entities must name at least one object type");
  return s;
}

}  // namespace junction::crm
