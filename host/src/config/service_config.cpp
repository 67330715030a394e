#include "config/service_config.hpp"

#include <filesystem>

#include <junction/duration.hpp>

namespace junction::config {
namespace {

using json = nlohmann::json;

std::string absolute_beside(const std::string &config_file, const std::string &path) {
  std::filesystem::path p(path);
  if (p.is_relative()) p = std::filesystem::path(config_file).parent_path() / p;
  return p.lexically_normal().string();
}

std::chrono::milliseconds duration_at(const json &node, const char *key, const std::string &file,
                                      const std::string &pointer, Diagnostics &problems) {
  const auto it = node.find(key);
  if (it == node.end() || !it->is_string()) return std::chrono::milliseconds(0);
  const auto ms = junction::parse_duration_ms(it->get<std::string>());
  if (!ms || *ms <= 0) {
    problems.push_back({file, pointer + "/" + key,
                        "'" + it->get<std::string>().substr(0, 40) +
                            "' is not a duration above 0 of at most 100 years"});
    return std::chrono::milliseconds(0);
  }
  return std::chrono::milliseconds(*ms);
}

}  // namespace

void read_service_config(const json &doc, const std::string &file,
                         const std::set<std::string> &secret_pointers, ServiceConfig &service,
                         Diagnostics &problems) {
  const auto node = doc.find("service");
  if (node == doc.end() || !node->is_object()) return;
  if (const auto listen = node->find("listen"); listen != node->end() && listen->is_string()) {
    const std::string text = listen->get<std::string>();
    const auto colon = text.rfind(':');
    int port = -1;
    if (colon != std::string::npos && colon + 1 < text.size() && text.size() - colon <= 6 &&
        text.find_first_not_of("0123456789", colon + 1) == std::string::npos) {
      port = std::stoi(text.substr(colon + 1));
    }
    if (colon == 0 || colon == std::string::npos || port < 0 || port > 65535) {
      problems.push_back({file, "/service/listen",
                          "'" + text.substr(0, 60) +
                              "' is not HOST:PORT (for example 127.0.0.1:8787; port 0 picks "
                              "a free port)"});
    } else {
      service.listen_host = text.substr(0, colon);
      if (service.listen_host.size() > 2 && service.listen_host.front() == '[') {
        service.listen_host = service.listen_host.substr(1, service.listen_host.size() - 2);
      }
      service.listen_port = port;
    }
  }
  if (const auto tokens = node->find("tokens"); tokens != node->end() && tokens->is_object()) {
    for (const auto &[name, value] : tokens->items()) {
      if (!value.is_string()) continue;
      const std::string pointer = "/service/tokens/" + name;
      if (!secret_pointers.contains(pointer)) {
        problems.push_back({file, pointer,
                            "an API token must come from a reference (\"${env:NAME}\" or "
                            "\"${file:PATH}\"), never be written in the config"});
        continue;
      }
      if (value.get<std::string>().size() < 16) {
        problems.push_back({file, pointer, "an API token must be at least 16 characters long"});
        continue;
      }
      service.tokens.emplace(name, value.get<std::string>());
    }
  }
  if (const auto tls = node->find("tls"); tls != node->end() && tls->is_object()) {
    service.tls_certificate = absolute_beside(file, tls->value("certificate", ""));
    service.tls_key = absolute_beside(file, tls->value("key", ""));
    for (const auto &[path, key] :
         {std::pair{service.tls_certificate, "certificate"}, std::pair{service.tls_key, "key"}}) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(path, ec)) {
        problems.push_back({file, std::string("/service/tls/") + key, "no readable file " + path});
      }
    }
  }
  service.workers = node->value("workers", 4);
  service.exclusive = node->value("exclusive", true);
}

void read_alerts_config(const json &doc, const std::string &file,
                        const std::set<std::string> &job_names, AlertsConfig &alerts,
                        Diagnostics &problems) {
  const auto node = doc.find("alerts");
  if (node == doc.end() || !node->is_object()) return;
  if (node->contains("check_every")) {
    const auto every = duration_at(*node, "check_every", file, "/alerts", problems);
    if (every.count() > 0) alerts.check_every = every;
  }
  const json rules = node->value("rules", json::array());
  for (std::size_t i = 0; rules.is_array() && i < rules.size(); ++i) {
    const json &r = rules[i];
    if (!r.is_object()) continue;
    AlertRule rule;
    rule.pointer = "/alerts/rules/" + std::to_string(i);
    rule.when = r.value("when", "");
    rule.name = r.value("name", rule.when);
    if (const auto jobs = r.find("flows"); jobs != r.end() && jobs->is_array()) {
      for (std::size_t j = 0; j < jobs->size(); ++j) {
        if (!(*jobs)[j].is_string()) continue;
        const auto name = (*jobs)[j].get<std::string>();
        if (!job_names.contains(name)) {
          problems.push_back({file, rule.pointer + "/flows/" + std::to_string(j),
                              "no flow or sync is named '" + name.substr(0, 60) + "'"});
        }
        rule.jobs.insert(name);
      }
    }
    const auto needs = [&](const char *key) {
      if (!r.contains(key)) {
        problems.push_back(
            {file, rule.pointer, "an alert '" + rule.when + "' needs \"" + key + "\""});
      }
    };
    if (rule.when == "no_success_for" || rule.when == "latency_above") {
      needs("duration");
      rule.duration = duration_at(r, "duration", file, rule.pointer, problems);
    } else if (rule.when == "error_queue_above") {
      needs("count");
      rule.count = r.value("count", std::int64_t{0});
    } else if (rule.when == "volume_unusual") {
      rule.factor = r.value("factor", 10.0);
      rule.runs = r.value("runs", 10);
    } else if (rule.when == "budget_used_above") {
      needs("percent");
      rule.percent = r.value("percent", 80.0);
      rule.account = r.value("account", "");
    }
    alerts.rules.push_back(std::move(rule));
  }
  const json channels = node->value("send_to", json::array());
  for (std::size_t i = 0; channels.is_array() && i < channels.size(); ++i) {
    const json &c = channels[i];
    if (!c.is_object()) continue;
    AlertChannel channel;
    channel.pointer = "/alerts/send_to/" + std::to_string(i);
    if (c.contains("webhook") && c["webhook"].is_string()) {
      channel.kind = "webhook";
      channel.url = c["webhook"].get<std::string>();
      if (channel.url.rfind("http://", 0) != 0 && channel.url.rfind("https://", 0) != 0) {
        problems.push_back(
            {file, channel.pointer + "/webhook", "a webhook is an http:// or https:// URL"});
      }
    } else if (c.contains("email") && c["email"].is_object()) {
      const json &e = c["email"];
      channel.kind = "email";
      channel.url = e.value("smtp", "");
      channel.from = e.value("from", "");
      channel.username = e.value("username", "");
      channel.password = e.value("password", "");
      if (e.contains("ca_bundle"))
        channel.ca_bundle = absolute_beside(file, e.value("ca_bundle", ""));
      for (const auto &to : e.value("to", json::array())) {
        if (to.is_string()) channel.to.push_back(to.get<std::string>());
      }
      if (channel.url.rfind("smtp://", 0) != 0 && channel.url.rfind("smtps://", 0) != 0) {
        problems.push_back({file, channel.pointer + "/email/smtp",
                            "the SMTP server is an smtp:// or smtps:// URL"});
      }
    }
    alerts.channels.push_back(std::move(channel));
  }
}

}  // namespace junction::config
