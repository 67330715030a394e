#include "app/sync_plan.hpp"

#include "engine/record_text.hpp"
#include "engine/sync/sync_runner.hpp"

namespace junction::app {
namespace {

using nlohmann::json;

const char *kind_text(engine::sync::WriteKind kind) {
  switch (kind) {
    case engine::sync::WriteKind::create: return "create";
    case engine::sync::WriteKind::update: return "update";
    case engine::sync::WriteKind::remove: return "delete";
  }
  return "";
}

// One JSON object per planned action: what `sync` would then do, in the same order.
std::vector<json> plan_json(const engine::sync::SyncOutcome &o) {
  const auto &m = o.model;
  std::vector<json> out;
  for (const auto &match : o.plan.matches) {
    out.push_back({{"sync", o.sync},
                   {"action", "link"},
                   {"system", m.systems[match.system].name},
                   {"key", engine::readable_key(match.key)},
                   {"link", match.link},
                   {"rule", match.rule + 1}});
  }
  for (const auto &w : o.plan.writes) {
    json fields = json::object();
    for (const auto &f : w.fields) fields[m.fields[f.field]] = f.value ? json(*f.value) : json();
    out.push_back({{"sync", o.sync},
                   {"action", kind_text(w.kind)},
                   {"system", m.systems[w.system].name},
                   {"key", engine::readable_key(w.key)},
                   {"link", w.link},
                   {"fields", fields}});
  }
  for (const auto &r : o.plan.reviews) {
    json values = json::object();
    for (std::size_t s = 0; s < r.values.size(); ++s) {
      if (r.values[s]) values[m.systems[s].name] = *r.values[s];
    }
    out.push_back({{"sync", o.sync},
                   {"action", "review"},
                   {"system", m.systems[r.system].name},
                   {"key", engine::readable_key(r.key)},
                   {"link", r.link},
                   {"field", r.field ? json(m.fields[*r.field]) : json()},
                   {"values", values},
                   {"candidates", r.candidates}});
  }
  return out;
}

}  // namespace

json SyncPlanReport::to_json() const {
  return {{"sync", sync},          {"read", read},         {"to_link", links},
          {"to_create", creates},  {"to_update", updates}, {"to_delete", deletes},
          {"for_review", reviews}, {"actions", actions}};
}

SyncPlanReport plan_sync_once(const config::SyncConfig &sync, CheckedConfig &checked,
                              store::StateStore &state) {
  engine::sync::SyncContext context{sync, {}, state, ""};
  for (auto &[name, connector] : checked.connectors) context.connectors[name] = connector.get();
  const auto outcome = engine::sync::plan_sync(context);
  SyncPlanReport r;
  r.sync = sync.name;
  r.read = outcome.counts.read;
  r.links = static_cast<long long>(outcome.plan.matches.size());
  r.reviews = static_cast<long long>(outcome.plan.reviews.size());
  for (const auto &w : outcome.plan.writes) {
    r.creates += w.kind == engine::sync::WriteKind::create ? 1 : 0;
    r.updates += w.kind == engine::sync::WriteKind::update ? 1 : 0;
    r.deletes += w.kind == engine::sync::WriteKind::remove ? 1 : 0;
  }
  r.lines = engine::sync::describe_plan(outcome);
  r.actions = plan_json(outcome);
  return r;
}

}  // namespace junction::app
