// junction plan --config FILE [--sync NAME] [--json]: what the next cycle of each sync
// would do, record by record, writing nothing to any system.
#include <ostream>

#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/json_output.hpp"
#include "cli/plugin_options.hpp"
#include "cli/run_setup.hpp"
#include "engine/record_text.hpp"
#include "engine/sync/sync_runner.hpp"
#include "store/state_store.hpp"

namespace junction::cli {
namespace {

namespace po = boost::program_options;
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

int run_plan(const CommandArgs &command) {
  po::options_description options("options");
  options.add_options()("config,c", po::value<std::string>()->required(), "config file")(
      "json", "print one JSON object per planned action");
  add_sync_option(options);
  add_plugin_path_option(options);
  po::variables_map values;
  int code = exit_ok;
  if (!parse_command_line(command, "--config FILE [--sync NAME]... [--json]", options, values,
                          code)) {
    return code;
  }
  RunSetup setup;
  prepare_run(values, setup);
  auto &problems = setup.problems();
  const std::string file = values["config"].as<std::string>();
  if (!problems.empty()) {
    print_diagnostics(command.err, problems);
    command.err << problems.size() << (problems.size() == 1 ? " problem" : " problems") << " in "
                << file << "; nothing was planned\n";
    return exit_usage;
  }
  if (setup.syncs.empty()) {
    command.out << "no syncs to plan in " << file << "\n";
    return exit_ok;
  }
  std::unique_ptr<store::StateStore> state;
  try {
    state = store::StateStore::open(*setup.location);
  } catch (const std::exception &e) {
    command.err << "junction plan: " << e.what() << "\n";
    return exit_failed;
  }
  const bool as_json = values.count("json") != 0U;
  JsonOutput out_json;
  int result = exit_ok;
  for (const auto *sync : setup.syncs) {
    engine::sync::SyncContext context{*sync, {}, *state, ""};
    for (auto &[name, connector] : setup.checked.connectors) {
      context.connectors[name] = connector.get();
    }
    engine::sync::SyncOutcome outcome;
    try {
      outcome = engine::sync::plan_sync(context);
    } catch (const std::exception &e) {
      command.err << "sync " << sync->name << ": " << e.what() << "\n";
      result = exit_failed;
      continue;
    }
    if (as_json) {
      for (const auto &line : plan_json(outcome)) command.out << out_json.dump(line) << "\n";
      continue;
    }
    const auto &p = outcome.plan;
    long long creates = 0;
    long long updates = 0;
    long long deletes = 0;
    for (const auto &w : p.writes) {
      creates += w.kind == engine::sync::WriteKind::create ? 1 : 0;
      updates += w.kind == engine::sync::WriteKind::update ? 1 : 0;
      deletes += w.kind == engine::sync::WriteKind::remove ? 1 : 0;
    }
    command.out << "sync " << sync->name << ": " << outcome.counts.read << " records read\n";
    for (const auto &line : engine::sync::describe_plan(outcome)) {
      command.out << "  " << line << "\n";
    }
    command.out << "  " << p.matches.size() << " to link, " << creates << " to create, " << updates
                << " to update, " << deletes << " to delete, " << p.reviews.size()
                << " for review\n";
  }
  out_json.report(command.err, "plan lines");
  return result;
}

}  // namespace junction::cli
