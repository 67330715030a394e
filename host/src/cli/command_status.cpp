// junction status --config FILE: the state store and what it holds.
#include <ostream>

#include <soci/soci.h>

#include <sstream>

#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/plugin_options.hpp"
#include "config/host_config.hpp"
#include "store/migrations.hpp"
#include "store/state_store.hpp"
#include "store/store_failure.hpp"

namespace junction::cli {
namespace {

namespace po = boost::program_options;

long long count_rows(soci::session &session, const std::string &sql) {
  long long n = 0;
  session << sql, soci::into(n);
  return n;
}

}  // namespace

int run_status(const CommandArgs &command) {
  po::options_description options("options");
  options.add_options()("config,c", po::value<std::string>()->required(), "config file");
  po::variables_map values;
  int code = exit_ok;
  if (!parse_command_line(command, "--config FILE", options, values, code)) return code;

  auto loaded = config::load_host_config(values["config"].as<std::string>());
  if (!loaded.problems.empty()) {
    print_diagnostics(command.err, loaded.problems);
    return exit_usage;
  }
  std::string why;
  auto location =
      store::parse_store_location(loaded.config.store, loaded.config.file.parent_path(), why);
  if (!location) {
    command.err << loaded.config.file.string() << ": /store: " << why << "\n";
    return exit_usage;
  }
  // Written whole or not at all: a store that fails half-way shows no half report.
  std::ostringstream report;
  try {
    auto state = store::StateStore::open(*location);
    auto &s = state->session();
    report << "store:          " << state->display_name() << "\n"
           << "schema version: " << state->schema_version() << " (this build knows "
           << store::latest_schema_version() << ")\n"
           << "flows:          " << loaded.config.flows.size() << " configured\n"
           << "runs:           " << count_rows(s, "SELECT COUNT(*) FROM runs") << "\n"
           << "records known:  " << count_rows(s, "SELECT COUNT(*) FROM member_state") << "\n"
           << "open errors:    "
           << count_rows(s, "SELECT COUNT(*) FROM error_queue WHERE state = 'open'") << "\n"
           << "audit entries:  " << count_rows(s, "SELECT COUNT(*) FROM audit_log") << "\n";
  } catch (const std::exception &e) {
    command.err << "junction status: " << store::readable_failure(e.what()) << "\n";
    return exit_failed;
  }
  command.out << report.str();
  return exit_ok;
}

}  // namespace junction::cli
