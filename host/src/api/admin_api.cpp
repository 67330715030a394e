#include "api/admin_api.hpp"

#include <httplib.h>
#include <openssl/crypto.h>
#include <sstream>

#include <spdlog/spdlog.h>

#include "app/audit_views.hpp"
#include "app/error_queue.hpp"
#include "app/plugin_search.hpp"
#include "app/status_report.hpp"
#include "app/sync_plan.hpp"
#include "app/sync_review.hpp"
#include "log/secret_redaction.hpp"
#include "plugin/catalog.hpp"
#include "store/store_failure.hpp"
#include "store/timestamps.hpp"

namespace junction::api {
namespace {

using json = nlohmann::json;

void reply(httplib::Response &res, int status, const json &body) {
  res.status = status;
  res.set_content(body.dump(2) + "\n", "application/json");
}

void fail(httplib::Response &res, int status, const std::string &message) {
  reply(res, status, {{"error", message}});
}

// The name of the token the request carries, or "" when it carries none that is known.
std::string token_name(const httplib::Request &req, const config::ServiceConfig &service) {
  const std::string header = req.get_header_value("Authorization");
  const std::string prefix = "Bearer ";
  if (header.size() <= prefix.size() || header.compare(0, prefix.size(), prefix) != 0) return "";
  const std::string given = header.substr(prefix.size());
  std::string found;
  for (const auto &[name, token] : service.tokens) {
    // Compared in constant time, so that timing tells nothing of a token.
    if (token.size() == given.size() &&
        CRYPTO_memcmp(token.data(), given.data(), token.size()) == 0) {
      found = name;
    }
  }
  return found;
}

int int_param(const httplib::Request &req, const char *name, int fallback, int low, int high) {
  if (!req.has_param(name)) return fallback;
  try {
    return std::clamp(std::stoi(req.get_param_value(name)), low, high);
  } catch (const std::exception &) {
    return fallback;
  }
}

std::int64_t id_of(const std::string &text) {
  try {
    return std::stoll(text);
  } catch (const std::exception &) {
    return -1;
  }
}

json body_of(const httplib::Request &req) {
  if (req.body.empty()) return json::object();
  auto parsed = json::parse(req.body, nullptr, false);
  return parsed.is_object() ? parsed : json();
}

}  // namespace

AdminApi::AdminApi(app::Service &service) : service_(service) {}

AdminApi::~AdminApi() {
  stop();
}

void AdminApi::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

bool AdminApi::start(const config::ServiceConfig &settings, std::string &why) {
  tls_ = !settings.tls_certificate.empty();
  if (tls_) {
    server_ = std::make_unique<httplib::SSLServer>(settings.tls_certificate.c_str(),
                                                   settings.tls_key.c_str());
    if (!server_->is_valid()) {
      why = "the TLS certificate or key cannot be used (" + settings.tls_certificate + ")";
      return false;
    }
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  server_->set_read_timeout(30, 0);
  server_->set_write_timeout(30, 0);
  server_->set_payload_max_length(8 * 1024 * 1024);
  routes();
  if (settings.listen_port == 0) {
    port_ = server_->bind_to_any_port(settings.listen_host);
  } else {
    port_ = server_->bind_to_port(settings.listen_host, settings.listen_port) ? settings.listen_port
                                                                              : -1;
  }
  if (port_ <= 0) {
    why = "cannot listen on " + settings.listen_host + ":" + std::to_string(settings.listen_port) +
          " (in use, or not an address of this machine)";
    return false;
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return true;
}

void AdminApi::routes() {
  auto &s = *server_;
  // Everything but health needs a token; the token's name becomes the actor.
  s.set_pre_routing_handler([this](const httplib::Request &req, httplib::Response &res) {
    // Health is public; webhooks are verified by their connector (their signature).
    if (req.path == "/healthz" || req.path == "/readyz" || req.path.rfind("/hooks/", 0) == 0) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    const auto config = service_.current_config();
    const std::string name = config ? token_name(req, config->config.service) : "";
    if (name.empty()) {
      res.set_header("WWW-Authenticate", "Bearer realm=\"junction\"");
      fail(res, 401, "a valid bearer token is required (service.tokens)");
      return httplib::Server::HandlerResponse::Handled;
    }
    res.set_header("X-Junction-Actor", "api:" + name);
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // No secret leaves through an answer, wherever it may have crept in.
  s.set_post_routing_handler(
      [](const httplib::Request &, httplib::Response &res) { log::redact_in_place(res.body); });
  s.set_exception_handler(
      [](const httplib::Request &, httplib::Response &res, std::exception_ptr error) {
        std::string message = "internal error";
        try {
          if (error) std::rethrow_exception(error);
        } catch (const std::exception &e) {
          message = store::readable_failure(e.what());
        }
        fail(res, 500, message);
      });
  const auto actor = [](const httplib::Response &res) {
    return res.get_header_value("X-Junction-Actor");
  };

  s.Get("/healthz", [](const httplib::Request &, httplib::Response &res) {
    reply(res, 200, {{"status", "alive"}});
  });
  s.Get("/readyz", [this](const httplib::Request &, httplib::Response &res) {
    std::string why;
    if (service_.ready(why)) {
      reply(res, 200, {{"status", "ready"}});
    } else {
      reply(res, 503, {{"status", "not ready"}, {"reason", why}});
    }
  });
  s.Get("/openapi.json", [](const httplib::Request &, httplib::Response &res) {
    res.set_content(openapi_document(), "application/json");
  });
  s.Get("/metrics", [this](const httplib::Request &, httplib::Response &res) {
    res.set_content(service_.metrics_text(), "text/plain; version=0.0.4; charset=utf-8");
  });

  s.Post(R"(/hooks/([A-Za-z][A-Za-z0-9_-]{0,62}))", [this](const httplib::Request &req,
                                                           httplib::Response &res) {
    plugin::ConnectorInstance::WebhookRequest request;
    request.method = req.method;
    request.url = (tls_ ? "https://" : "http://") + req.get_header_value("Host") + req.target;
    for (const auto &[name, value] : req.headers) {
      std::string lower = name;
      for (auto &c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers.emplace_back(lower, value);
    }
    request.body = req.body;
    const auto answer = service_.accept_webhook(req.matches[1], request);
    reply(res, answer.status, answer.body);
  });

  // What `junction status --json` says: the store's counts, each API account's requests
  // and budget today, and each flow's and sync's recorded runs.
  s.Get("/v1/status", [this](const httplib::Request &, httplib::Response &res) {
    auto state = service_.open_store();
    reply(res, 200,
          app::status_report(service_.current_config()->config, *state,
                             std::chrono::system_clock::now())
              .to_json());
  });
  s.Get("/v1/jobs", [this](const httplib::Request &, httplib::Response &res) {
    json out = json::array();
    for (const auto &j : service_.jobs()) out.push_back(j.to_json());
    reply(res, 200, out);
  });
  s.Get(R"(/v1/jobs/([^/]+))", [this](const httplib::Request &req, httplib::Response &res) {
    const auto j = service_.job(req.matches[1]);
    if (!j) return fail(res, 404, "no flow or sync named '" + std::string(req.matches[1]) + "'");
    reply(res, 200, j->to_json());
  });
  // Runs a flow or sync now. ?wait=false answers at once with a request to poll; otherwise
  // it waits up to ?timeout= seconds (default 300) for the run's result.
  s.Post(R"(/v1/jobs/([^/]+)/run)", [this, actor](const httplib::Request &req,
                                                  httplib::Response &res) {
    std::string why;
    const auto id = service_.request_run(req.matches[1], actor(res), why);
    if (!id) return fail(res, why.find("stopping") != std::string::npos ? 503 : 404, why);
    const bool wait = req.get_param_value("wait") != "false";
    const int timeout = int_param(req, "timeout", 300, 0, 3600);
    const auto r = service_.run_request(
        *id, wait ? std::chrono::milliseconds(timeout * 1000LL) : std::chrono::milliseconds(0));
    json body = r ? r->to_json() : json{{"request", *id}};
    body["poll"] = "/v1/requests/" + std::to_string(*id);
    reply(res, r && r->state == "finished" ? 200 : 202, body);
  });
  s.Get(R"(/v1/requests/(\d+))", [this](const httplib::Request &req, httplib::Response &res) {
    const int timeout = int_param(req, "timeout", 0, 0, 3600);
    const auto r =
        service_.run_request(id_of(req.matches[1]), std::chrono::milliseconds(timeout * 1000LL));
    if (!r) return fail(res, 404, "no such run request (they are kept for the last 1000)");
    reply(res, 200, r->to_json());
  });

  s.Get("/v1/runs", [this](const httplib::Request &req, httplib::Response &res) {
    auto state = service_.open_store();
    std::string job = req.get_param_value("flow");
    if (req.has_param("sync")) job = "sync:" + req.get_param_value("sync");
    reply(res, 200,
          app::list_runs(*state, job, int_param(req, "limit", 100, 1, 10000),
                         req.get_param_value("status")));
  });
  s.Get(R"(/v1/runs/([^/]+))", [this](const httplib::Request &req, httplib::Response &res) {
    auto state = service_.open_store();
    const auto run = app::find_run(*state, req.matches[1]);
    if (!run) return fail(res, 404, "no run " + std::string(req.matches[1]));
    reply(res, 200, *run);
  });

  s.Get("/v1/errors", [this](const httplib::Request &req, httplib::Response &res) {
    store::ErrorFilter filter;
    filter.flow = req.get_param_value("flow");
    filter.since = req.get_param_value("since");
    if (req.has_param("state")) filter.state = req.get_param_value("state");
    filter.limit = int_param(req, "limit", 100, 1, 100000);
    auto state = service_.open_store();
    reply(res, 200, app::list_errors(*state, service_.current_config()->config, filter));
  });
  s.Get(R"(/v1/errors/(\d+))", [this](const httplib::Request &req, httplib::Response &res) {
    auto state = service_.open_store();
    const auto e =
        app::show_error(*state, service_.current_config()->config, id_of(req.matches[1]));
    if (!e) return fail(res, 404, "no error with id " + std::string(req.matches[1]));
    reply(res, 200, *e);
  });
  s.Post(R"(/v1/errors/(\d+)/discard)", [this, actor](const httplib::Request &req,
                                                      httplib::Response &res) {
    const json body = body_of(req);
    if (!body.is_object() || !body.contains("reason") || !body["reason"].is_string()) {
      return fail(res, 400, "the body is a JSON object with \"reason\" (text, for the audit)");
    }
    auto state = service_.open_store();
    try {
      app::discard_errors(*state, {id_of(req.matches[1])}, body["reason"], actor(res));
    } catch (const app::ErrorQueueError &e) {
      return fail(res, 409, e.what());
    }
    reply(res, 200, {{"discarded", id_of(req.matches[1])}});
  });
  // Fixes a queued record: {"set": {"field": "value"}, "null": ["field"], "add": false}.
  s.Post(R"(/v1/errors/(\d+)/edit)",
         [this, actor](const httplib::Request &req, httplib::Response &res) {
           const json body = body_of(req);
           app::ErrorEdit edit;
           if (body.is_object() && body.contains("set") && body["set"].is_object()) {
             for (const auto &[field, value] : body["set"].items()) {
               if (!value.is_string()) return fail(res, 400, "/set/" + field + ": a value is text");
               edit.set.emplace_back(field, value.get<std::string>());
             }
           }
           if (body.is_object() && body.contains("null") && body["null"].is_array()) {
             for (const auto &field : body["null"]) {
               if (field.is_string()) edit.nulls.push_back(field.get<std::string>());
             }
           }
           edit.add = body.is_object() && body.value("add", false);
           auto state = service_.open_store();
           try {
             const auto changed = app::edit_error(*state, id_of(req.matches[1]), edit, actor(res));
             reply(res, 200, {{"changed", changed}});
           } catch (const app::ErrorQueueError &e) {
             fail(res, 409, e.what());
           }
         });
  // The queue as a file: ?format=json (JSON lines) or csv, ?flow=, ?state= (default open).
  s.Get("/v1/errors/export", [this](const httplib::Request &req, httplib::Response &res) {
    const std::string format = req.has_param("format") ? req.get_param_value("format") : "json";
    if (format != "json" && format != "csv") return fail(res, 400, "format is json or csv");
    store::ErrorFilter filter;
    filter.flow = req.get_param_value("flow");
    filter.state = req.has_param("state") ? req.get_param_value("state") : "open";
    if (filter.state == "all") filter.state.clear();
    filter.limit = 100000000;
    auto state = service_.open_store();
    std::ostringstream out;
    app::export_errors(*state, service_.current_config()->config, filter, format, out);
    res.set_content(out.str(), format == "csv" ? "text/csv; charset=utf-8"
                                               : "application/x-ndjson; charset=utf-8");
  });
  s.Post("/v1/errors/retry", [this, actor](const httplib::Request &req, httplib::Response &res) {
    const json body = body_of(req);
    if (!body.is_object()) return fail(res, 400, "the body is a JSON object");
    app::RetrySelection selection;
    if (body.contains("ids") && body["ids"].is_array()) {
      for (const auto &id : body["ids"]) {
        if (id.is_number_integer()) selection.ids.push_back(id.get<std::int64_t>());
      }
    }
    selection.flow = body.value("flow", "");
    if (selection.ids.empty() && selection.flow.empty() && !body.value("all", false)) {
      return fail(res, 400, "name \"ids\", a \"flow\", or \"all\": true");
    }
    const auto config = service_.current_config();
    const auto catalog = plugin::scan_plugin_dirs(
        app::plugin_search_dirs(service_.plugin_path(), config->config.plugin_path));
    auto checked = app::check_against_plugins(config->config, catalog, true);
    auto state = service_.open_store();
    try {
      const auto r = app::retry_errors(*state, config->config, checked, selection, actor(res));
      reply(res, 200, {{"delivered", r.delivered}, {"failed", r.failed}, {"notes", r.notes}});
    } catch (const app::ErrorQueueError &e) {
      fail(res, 409, e.what());
    }
  });

  s.Get("/v1/reviews", [this](const httplib::Request &req, httplib::Response &res) {
    auto state = service_.open_store();
    json out = json::array();
    const std::string status = req.has_param("status") ? req.get_param_value("status") : "open";
    for (const auto &r : app::list_reviews(*state, req.get_param_value("sync"), status,
                                           int_param(req, "limit", 100, 1, 10000))) {
      out.push_back({{"id", r.id},
                     {"sync", r.sync},
                     {"subject", r.subject},
                     {"kind", r.kind},
                     {"status", r.status},
                     {"field", r.field},
                     {"system", r.system},
                     {"created_at", r.created_at},
                     {"detail", json::parse(r.detail, nullptr, false)}});
    }
    reply(res, 200, out);
  });
  // Settles a review: {"decision": "approve"|"reject"|"take"|"set"|"link", "system",
  // "value", "link", "reason"}.
  s.Post(R"(/v1/reviews/(\d+))",
         [this, actor](const httplib::Request &req, httplib::Response &res) {
           const json body = body_of(req);
           if (!body.is_object() || !body.contains("decision") || !body["decision"].is_string()) {
             return fail(res, 400, "the body is a JSON object with \"decision\"");
           }
           static const std::map<std::string, app::ReviewDecision::Kind> kinds = {
               {"approve", app::ReviewDecision::Kind::approve},
               {"reject", app::ReviewDecision::Kind::reject},
               {"take", app::ReviewDecision::Kind::take},
               {"set", app::ReviewDecision::Kind::set},
               {"link", app::ReviewDecision::Kind::link}};
           const auto kind = kinds.find(body["decision"].get<std::string>());
           if (kind == kinds.end())
             return fail(res, 400, "decision is approve, reject, take, set or link");
           app::ReviewDecision decision;
           decision.kind = kind->second;
           decision.system = body.value("system", "");
           decision.value = body.value("value", "");
           decision.link = body.value("link", std::int64_t{0});
           decision.reason = body.value("reason", "");
           decision.actor = actor(res);
           auto state = service_.open_store();
           try {
             const auto done = app::settle_review(*state, service_.current_config()->config,
                                                  id_of(req.matches[1]), decision);
             reply(res, 200, {{"done", done}});
           } catch (const app::ReviewError &e) {
             fail(res, 409, e.what());
           }
         });

  s.Get("/v1/audit", [this](const httplib::Request &req, httplib::Response &res) {
    store::AuditFilter filter;
    filter.flow = req.get_param_value("flow");
    filter.key = req.get_param_value("key");
    filter.since = req.get_param_value("since");
    filter.limit = int_param(req, "limit", 100, 1, 100000);
    auto state = service_.open_store();
    reply(res, 200, app::list_audit(*state, filter));
  });
  s.Get("/v1/audit/verify", [this](const httplib::Request &, httplib::Response &res) {
    auto state = service_.open_store();
    const auto v = app::verify_audit(*state);
    reply(res, v["intact"].get<bool>() ? 200 : 409, v);
  });

  // What the next cycle of a sync would do; reads every system, writes nothing.
  s.Get("/v1/plan", [this](const httplib::Request &req, httplib::Response &res) {
    const auto config = service_.current_config();
    const std::string name = req.get_param_value("sync");
    const auto &syncs = config->config.syncs;
    const auto sync = std::find_if(syncs.begin(), syncs.end(),
                                   [&](const config::SyncConfig &y) { return y.name == name; });
    if (sync == syncs.end()) return fail(res, 404, "no sync named '" + name + "' (?sync=NAME)");
    const auto catalog = plugin::scan_plugin_dirs(
        app::plugin_search_dirs(service_.plugin_path(), config->config.plugin_path));
    auto checked = app::check_against_plugins(config->config, catalog, true);
    auto state = service_.open_store();
    reply(res, 200, app::plan_sync_once(*sync, checked, *state).to_json());
  });
  s.Get("/v1/alerts", [this](const httplib::Request &, httplib::Response &res) {
    json out = json::array();
    for (const auto &a : service_.firing_alerts()) {
      out.push_back({{"alert", a.alert.rule},
                     {"subject", a.alert.subject},
                     {"summary", a.alert.summary},
                     {"starts_at", store::utc_text(a.started)}});
    }
    reply(res, 200, out);
  });
  s.Post("/v1/reload", [this, actor](const httplib::Request &, httplib::Response &res) {
    const auto outcome = service_.reload(actor(res));
    json problems = json::array();
    for (const auto &p : outcome.problems) problems.push_back(p.to_string());
    reply(res, outcome.applied ? 200 : 422,
          {{"applied", outcome.applied},
           {"changed", outcome.changed},
           {"kept", outcome.kept},
           {"problems", problems},
           {"message", outcome.message}});
  });
}

}  // namespace junction::api
