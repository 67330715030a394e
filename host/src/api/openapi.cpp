// The OpenAPI 3 description of the admin API, served at /openapi.json.
#include <nlohmann/json.hpp>

#include "api/admin_api.hpp"

namespace junction::api {
namespace {

using json = nlohmann::json;

json op(const std::string &summary, const json &parameters = json::array(),
        const std::string &ok = "200", bool body = false) {
  json o = {
      {"summary", summary},
      {"responses",
       {{ok, {{"description", "success"}}}, {"401", {{"description", "no valid bearer token"}}}}}};
  if (!parameters.empty()) o["parameters"] = parameters;
  if (body) {
    o["requestBody"] = {{"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
  }
  return o;
}

json param(const std::string &name, const std::string &in, const std::string &type = "string") {
  return {{"name", name}, {"in", in}, {"required", in == "path"}, {"schema", {{"type", type}}}};
}

json build() {
  json paths;
  paths["/healthz"]["get"] = {{"summary", "The process is alive (no token needed)"},
                              {"security", json::array()},
                              {"responses", {{"200", {{"description", "alive"}}}}}};
  paths["/readyz"]["get"] = {
      {"summary", "The config is loaded and the state store answers (no token needed)"},
      {"security", json::array()},
      {"responses",
       {{"200", {{"description", "ready"}}}, {"503", {{"description", "not ready, and why"}}}}}};
  paths["/hooks/{connector}"]["post"] = {
      {"summary",
       "A webhook for a connector, verified by the connector (its signature), not by a token; "
       "its on-change flows run at once"},
      {"security", json::array()},
      {"parameters", json::array({param("connector", "path")})},
      {"responses",
       {{"202", {{"description", "kept; {\"accepted\": n, \"triggered\": [flows]}"}}},
        {"401", {{"description", "not authentic, and why"}}},
        {"404", {{"description", "no such connector, or it takes no webhooks"}}},
        {"503", {{"description", "not kept; send it again"}}}}}};
  paths["/metrics"]["get"] = op("Prometheus metrics (text format 0.0.4)");
  paths["/openapi.json"]["get"] = op("This document");
  paths["/v1/status"]["get"] =
      op("The store's counts, each API account's requests and budget today, each flow's and "
         "sync's recorded runs (as junction status --json)");
  paths["/v1/jobs"]["get"] =
      op("Flows and syncs: schedule, running, last run, last success, lag, next run");
  paths["/v1/jobs/{name}"]["get"] = op("One flow or sync", {param("name", "path")});
  paths["/v1/jobs/{name}/run"]["post"] =
      op("Run a flow or sync now; waits for its result unless wait=false (202 and a request "
         "to poll)",
         {param("name", "path"), param("wait", "query", "boolean"),
          param("timeout", "query", "integer")});
  paths["/v1/requests/{id}"]["get"] =
      op("A run request: queued, running or finished with its result",
         {param("id", "path", "integer"), param("timeout", "query", "integer")});
  paths["/v1/runs"]["get"] =
      op("Runs, latest first", {param("flow", "query"), param("sync", "query"),
                                param("status", "query"), param("limit", "query", "integer")});
  paths["/v1/runs/{run_id}"]["get"] = op("One run", {param("run_id", "path")});
  paths["/v1/errors"]["get"] =
      op("The error queue", {param("flow", "query"), param("state", "query"),
                             param("since", "query"), param("limit", "query", "integer")});
  paths["/v1/errors/{id}"]["get"] = op("One queued record", {param("id", "path", "integer")});
  paths["/v1/errors/{id}/discard"]["post"] = op("Give up on a queued record: {\"reason\": text}",
                                                {param("id", "path", "integer")}, "200", true);
  paths["/v1/errors/{id}/edit"]["post"] =
      op("Fix a queued record: {\"set\": {field: value}, \"null\": [field], \"add\": false}",
         {param("id", "path", "integer")}, "200", true);
  paths["/v1/errors/export"]["get"] =
      op("The queue as JSON lines or CSV",
         {param("format", "query"), param("flow", "query"), param("state", "query")});
  paths["/v1/errors/retry"]["post"] =
      op("Re-drive queued records: {\"ids\": [...]} or {\"flow\": name} or {\"all\": true}", {},
         "200", true);
  paths["/v1/reviews"]["get"] =
      op("The review queue of syncs",
         {param("sync", "query"), param("status", "query"), param("limit", "query", "integer")});
  paths["/v1/reviews/{id}"]["post"] =
      op("Settle a review: {\"decision\": approve|reject|take|set|link, \"system\", \"value\", "
         "\"link\", \"reason\"}",
         {param("id", "path", "integer")}, "200", true);
  paths["/v1/audit"]["get"] =
      op("The audit log", {param("flow", "query"), param("key", "query"), param("since", "query"),
                           param("limit", "query", "integer")});
  paths["/v1/audit/verify"]["get"] = op("Check the audit log's hash chain (409 when broken)");
  paths["/v1/plan"]["get"] =
      op("What the next cycle of a sync would do (reads every system, writes nothing)",
         {param("sync", "query")});
  paths["/v1/alerts"]["get"] = op("Alerts firing now");
  paths["/v1/reload"]["post"] =
      op("Reload the config file; refused whole (422) with every problem when it has any");
  return {
      {"openapi", "3.0.3"},
      {"info",
       {{"title", "Junction admin API"},
        {"version", "1"},
        {"description", "The service's admin API; see docs/api.md."}}},
      {"components", {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}}},
      {"security", json::array({{{"bearer", json::array()}}})},
      {"paths", paths}};
}

}  // namespace

const std::string &openapi_document() {
  static const std::string document = build().dump(2);
  return document;
}

}  // namespace junction::api
