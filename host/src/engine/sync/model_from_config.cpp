#include "engine/sync/model_from_config.hpp"

#include <algorithm>

namespace junction::engine::sync {
namespace {

std::size_t index_of(const std::vector<std::string> &names, const std::string &name) {
  return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
}

}  // namespace

SyncModel model_from_config(const config::SyncConfig &sync,
                            const std::vector<std::vector<std::string>> &connector_owns) {
  SyncModel model;
  model.fields = sync.canonical_fields();
  const std::size_t fields = model.fields.size();
  std::vector<std::string> system_names;
  for (const auto &s : sync.systems) {
    SystemModel system;
    system.name = s.name;
    system.access = s.access == "read_only"    ? Access::read_only
                    : s.access == "write_only" ? Access::write_only
                                               : Access::read_write;
    system.reads.assign(fields, false);
    system.writes.assign(fields, false);
    system.key.assign(fields, false);
    for (const auto &f : s.fields) {
      const std::size_t i = index_of(model.fields, f.canonical);
      system.reads[i] = f.read;
      system.writes[i] = f.write;
      system.key[i] = std::find(s.key.begin(), s.key.end(), f.field) != s.key.end();
    }
    system_names.push_back(s.name);
    model.systems.push_back(std::move(system));
  }
  const auto &d = sync.definition;
  model.field_owner.assign(fields, -1);
  const nlohmann::json owners = d.value("owners", nlohmann::json::object());
  for (const auto &[field, owner] : owners.items()) {
    if (!owner.is_string()) continue;
    const auto s = static_cast<int>(index_of(system_names, owner.get<std::string>()));
    if (field == "*") {
      model.entity_owner = s;
    } else if (const auto f = index_of(model.fields, field); f < fields) {
      model.field_owner[f] = s;
    }
  }
  // What connectors own by nature, where the admin named no owner.
  for (std::size_t s = 0; s < sync.systems.size() && s < connector_owns.size(); ++s) {
    for (const auto &f : sync.systems[s].fields) {
      if (!f.read) continue;
      const auto &owns = connector_owns[s];
      if (std::find(owns.begin(), owns.end(), f.field) == owns.end()) continue;
      const std::size_t c = index_of(model.fields, f.canonical);
      if (c < fields && !owners.contains(f.canonical) && model.field_owner[c] < 0) {
        model.field_owner[c] = static_cast<int>(s);
      }
    }
  }
  const std::string conflicts = d.value("conflicts", "newest");
  model.conflicts = conflicts == "review"  ? ConflictPolicy::review
                    : conflicts == "owner" ? ConflictPolicy::owner
                                           : ConflictPolicy::newest;
  model.foreign_changes = d.value("foreign_changes", "revert") == "review" ? ForeignChange::review
                                                                           : ForeignChange::revert;
  const std::string deletes = d.value("deletes", "propagate");
  model.deletes = deletes == "ignore"   ? DeletePolicy::ignore
                  : deletes == "review" ? DeletePolicy::review
                                        : DeletePolicy::propagate;
  model.hold_from.assign(fields, std::vector<bool>(sync.systems.size(), false));
  const nlohmann::json holds = d.value("hold", nlohmann::json::array());
  for (const auto &hold : holds) {
    const std::size_t s = index_of(system_names, hold.value("from", ""));
    const nlohmann::json hold_fields = hold.value("fields", nlohmann::json::array());
    for (const auto &f : hold_fields) {
      const std::size_t i = index_of(model.fields, f.get<std::string>());
      if (i < fields && s < system_names.size()) model.hold_from[i][s] = true;
    }
  }
  const nlohmann::json rules = d.value("match", nlohmann::json::array());
  for (const auto &rule : rules) {
    MatchRule r;
    for (const auto &item : rule) {
      MatchField f;
      // A bare field name compares trimmed and case-folded.
      const std::string name = item.is_string() ? item.get<std::string>() : item.value("field", "");
      f.field = index_of(model.fields, name);
      f.normalizers = item.is_object() && item.contains("normalize")
                          ? item["normalize"].get<std::vector<std::string>>()
                          : std::vector<std::string>{"trim", "casefold"};
      if (f.field < fields) r.fields.push_back(std::move(f));
    }
    if (!r.fields.empty()) model.match.push_back(std::move(r));
  }
  return model;
}

std::string country_of(const config::SyncConfig &sync) {
  return sync.definition.value("country", "");
}

}  // namespace junction::engine::sync
