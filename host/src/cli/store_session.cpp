#include "cli/store_session.hpp"

#include "cli/exit_codes.hpp"
#include "cli/plugin_options.hpp"
#include "engine/mapping.hpp"

namespace junction::cli {

void StoreSession::mask(const std::string &flow, nlohmann::json &record) const {
  const auto it = sensitive_by_flow.find(flow);
  if (it == sensitive_by_flow.end() || !record.is_object()) return;
  for (const auto &field : it->second) {
    if (record.contains(field) && !record[field].is_null()) record[field] = "***";
  }
  if (!it->second.empty() && record.contains("_raw"))
    record["_raw"] = "*** (holds sensitive fields)";
}

std::unique_ptr<StoreSession> open_store_session(const std::string &config_file, std::ostream &err,
                                                 int &code) {
  auto loaded = config::load_host_config(config_file);
  if (!loaded.problems.empty()) {
    print_diagnostics(err, loaded.problems);
    code = exit_usage;
    return nullptr;
  }
  std::string why;
  auto location =
      store::parse_store_location(loaded.config.store, loaded.config.file.parent_path(), why);
  if (!location) {
    err << loaded.config.file.string() << ": /store: " << why << "\n";
    code = exit_usage;
    return nullptr;
  }
  auto session = std::make_unique<StoreSession>();
  session->config = std::move(loaded.config);
  for (const auto &flow : session->config.flows) {
    config::Diagnostics ignored;
    const auto mapping = engine::Mapping::compile(flow, session->config.file.string(), ignored);
    session->sensitive_by_flow[flow.name] = mapping.sensitive_sources();
  }
  try {
    session->store = store::StateStore::open(*location);
  } catch (const std::exception &e) {
    err << "junction: " << e.what() << "\n";
    code = exit_failed;
    return nullptr;
  }
  return session;
}

}  // namespace junction::cli
