#include "email_settings.hpp"

#include <algorithm>
#include <cctype>
#include <functional>

#include <nlohmann/json.hpp>

#include "junction/errors.hpp"

namespace junction::email {

const AudienceSettings &EmailSettings::entity(const std::string &name) const {
  const auto it = entities.find(name);
  if (it == entities.end()) throw FatalError("no entity '" + name + "' in the connector's config");
  return it->second;
}

std::string data_centre_of(const std::string &api_key) {
  const auto dash = api_key.rfind('-');
  if (dash == std::string::npos) return {};
  const std::string dc = api_key.substr(dash + 1);
  const bool plausible =
      !dc.empty() && dc.size() <= 8 &&
      std::all_of(dc.begin(), dc.end(),
                  [](unsigned char c) { return std::islower(c) || std::isdigit(c); }) &&
      std::isalpha(static_cast<unsigned char>(dc[0]));
  return plausible ? dc : std::string();
}

EmailSettings parse_settings(const std::string &config_json) {
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(config_json);
  } catch (const nlohmann::json::exception &e) {
    throw ConfigError(std::string("the config is not JSON: ") + e.what());
  }
  EmailSettings s;
  const auto entities = config.value("entities", nlohmann::json::object());
  bool audiences = false;
  for (const auto &[name, e] : entities.items()) audiences = audiences || !e.contains("message");
  const std::string key = config.value("api_key", "");
  if (audiences && key.empty()) throw ConfigError("api_key is required (a secret reference)");
  if (config.contains("base_url")) {
    s.http.base_url = config["base_url"].get<std::string>();
  } else if (audiences) {
    const std::string dc = data_centre_of(key);
    if (dc.empty()) {
      throw ConfigError(
          "the API key names no data centre (it ends in -us6 or the like); "
          "set base_url");
    }
    s.http.base_url = "https://" + dc + ".api.mailchimp.com";
  } else {
    s.http.base_url = "https://invalid";  // no audience: never called
  }
  while (!s.http.base_url.empty() && s.http.base_url.back() == '/') s.http.base_url.pop_back();
  if (s.http.base_url.rfind("https://", 0) != 0 && s.http.base_url.rfind("http://", 0) != 0) {
    throw ConfigError("base_url must start with https:// (or http:// for a local test service)");
  }
  // Basic auth with any user name and the key as the password, as the API asks.
  s.http.auth = {http::HttpAuth::Scheme::basic, "junction", key};
  s.http.ca_bundle = config.value("ca_bundle", "");
  s.http.timeout = std::chrono::seconds(config.value("timeout_seconds", 30));
  s.http.connect_timeout = std::chrono::seconds(config.value("connect_timeout_seconds", 10));
  s.max_rate_limit_wait = std::chrono::seconds(config.value("max_rate_limit_wait_seconds", 60));
  s.max_connections = config.value("max_connections", 10);
  // The key's hash names the account, never the key.
  s.account = config.value(
      "account", "email:" + s.http.base_url + "#" + std::to_string(std::hash<std::string>{}(key)));
  for (const auto &[name, e] : entities.items()) {
    if (e.contains("message")) {
      const auto &m = e["message"];
      MessageSettings ms;
      ms.message.from = m.value("from", "");
      ms.message.subject = m.value("subject", "");
      ms.message.text = m.value("text", "");
      ms.message.html = m.value("html", "");
      ms.to_field = m.value("to_field", "email");
      ms.once = m.value("send", "once") == "once";
      const auto from = ms.message.from;
      const auto lt = from.find('<');
      const std::string address =
          lt == std::string::npos ? from : from.substr(lt + 1, from.find('>', lt) - lt - 1);
      if (!plain_address(address)) {
        throw ConfigError(std::string("entity '")
                              .append(name)
                              .append("': message.from holds no address: ")
                              .append(from));
      }
      if (ms.message.text.empty() && ms.message.html.empty()) {
        throw ConfigError("entity '" + name + "': a message needs a text or an html body");
      }
      s.messages.emplace(name, std::move(ms));
      continue;
    }
    AudienceSettings a;
    a.list_id = e.value("list_id", "");
    if (a.list_id.empty()) throw ConfigError("entity '" + name + "' needs a list_id");
    a.status_if_new = e.value("status_if_new", "subscribed");
    a.merge_fields = e.value("merge_fields", std::vector<std::string>{});
    a.delete_permanently = e.value("delete", "archive") == "permanent";
    a.bulk_from = e.value("bulk_from", std::size_t{20});
    s.entities.emplace(name, std::move(a));
  }
  if (!s.messages.empty()) {
    if (!config.contains("smtp")) throw ConfigError("message entities need an smtp section");
    const auto &m = config["smtp"];
    SmtpSettings smtp;
    smtp.url = m.value("url", "");
    if (smtp.url.rfind("smtp://", 0) != 0 && smtp.url.rfind("smtps://", 0) != 0) {
      throw ConfigError("smtp.url must start with smtp:// or smtps://");
    }
    smtp.username = m.value("username", "");
    smtp.password = m.value("password", "");
    smtp.starttls = m.value("tls", "starttls") != "none";
    smtp.ca_bundle = m.value("ca_bundle", "");
    smtp.timeout = std::chrono::seconds(m.value("timeout_seconds", 30));
    s.smtp = smtp;
  }
  if (s.entities.empty() && s.messages.empty()) {
    throw ConfigError("entities must name at least one audience or message");
  }
  return s;
}

}  // namespace junction::email
