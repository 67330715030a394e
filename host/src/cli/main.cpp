// junction: the command line. Global options come before the command words.
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <junction/abi.h>

#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "log/logging.hpp"
#include "log/secret_redaction.hpp"
#include "store/sqlite_statement.hpp"
#include "store/store_failure.hpp"
#include "version.hpp"

namespace {

using junction::cli::CommandArgs;
using Runner = int (*)(const CommandArgs &);

const std::map<std::string, Runner> &commands() {
  static const std::map<std::string, Runner> all = {
      {"check", &junction::cli::run_check},
      {"plugins list", &junction::cli::run_plugins_list},
      {"plugins describe", &junction::cli::run_plugins_describe},
      {"status", &junction::cli::run_status},
      {"sync", &junction::cli::run_sync},
      {"run", &junction::cli::run_service},
      {"plan", &junction::cli::run_plan},
      {"errors list", &junction::cli::run_errors_list},
      {"errors show", &junction::cli::run_errors_show},
      {"errors retry", &junction::cli::run_errors_retry},
      {"errors edit", &junction::cli::run_errors_edit},
      {"errors discard", &junction::cli::run_errors_discard},
      {"errors export", &junction::cli::run_errors_export},
      {"review list", &junction::cli::run_review_list},
      {"review show", &junction::cli::run_review_show},
      {"review approve", &junction::cli::run_review_approve},
      {"review reject", &junction::cli::run_review_reject},
      {"review resolve", &junction::cli::run_review_resolve},
      {"review link", &junction::cli::run_review_link},
      {"audit list", &junction::cli::run_audit_list},
      {"audit verify", &junction::cli::run_audit_verify},
      {"audit export", &junction::cli::run_audit_export},
  };
  return all;
}

void print_usage(std::ostream &out) {
  out << "usage: junction [--log-level LEVEL] [--log-format text|json] COMMAND [ARGS]\n\n"
         "commands:\n"
         "  check --config FILE          validate a config and the plugins it names\n"
         "  plugins list                 list the plugins on the plugin path\n"
         "  plugins describe NAME        show a plugin's manifest and config schema\n"
         "  status --config FILE         show the state store and what it holds\n"
         "  sync --config FILE           run each flow and sync once and print a summary\n"
         "  run --config FILE            the service: schedules, admin API, metrics, alerts\n"
         "  plan --config FILE           what the next cycle of each sync would do\n"
         "  errors list --config FILE    records in the error queue\n"
         "  errors show ID --config FILE one record in the error queue, in full\n"
         "  errors retry ID...|--flow F|--all --config FILE   re-drive queued records\n"
         "  errors edit ID --set FIELD=VALUE --config FILE    fix a queued record\n"
         "  errors discard ID... --reason TEXT --config FILE  give up on records\n"
         "  errors export --format csv|json --config FILE     the queue as a file\n"
         "  review list|show ID --config FILE                 what syncs hold for a person\n"
         "  review approve|reject ID --config FILE            settle a held change\n"
         "  review resolve ID --take SYSTEM|--set VALUE       settle a conflict\n"
         "  review link ID --to LINK --config FILE            settle an ambiguous match\n"
         "  audit list|export --config FILE                   the audit log\n"
         "  audit verify --config FILE   check the audit log's hash chain\n\n"
         "global options:\n"
         "  --version                    print the version and plugin ABI\n"
         "  --log-level LEVEL            trace, debug, info (default), warn, error, off\n"
         "  --log-format FORMAT          text (default) or json (one object per line)\n"
         "  -h, --help                   this help; COMMAND --help for a command's\n\n"
         "exit codes: 0 success, 1 failure, 2 usage or config error,\n"
         "            3 finished with records in the error queue\n";
}

}  // namespace

int main(int argc, char **argv) {
  junction::store::configure_sqlite_library();
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string log_level = "info";
  std::string log_format = "text";
  std::size_t i = 0;
  for (; i < args.size() && args[i].rfind('-', 0) == 0; ++i) {
    const std::string &a = args[i];
    if (a == "--version") {
      std::cout << "junction " << JUNCTION_VERSION << " (plugin ABI " << JN_ABI_MAJOR << "."
                << JN_ABI_MINOR << ")\n";
      return junction::cli::exit_ok;
    }
    if (a == "--help" || a == "-h") {
      print_usage(std::cout);
      return junction::cli::exit_ok;
    }
    if ((a == "--log-level" || a == "--log-format") && i + 1 < args.size()) {
      (a == "--log-level" ? log_level : log_format) = args[++i];
      continue;
    }
    std::cerr << "junction: unknown or incomplete option '" << a << "'\n";
    print_usage(std::cerr);
    return junction::cli::exit_usage;
  }
  if (log_format != "text" && log_format != "json") {
    std::cerr << "junction: --log-format must be text or json, not '" << log_format << "'\n";
    return junction::cli::exit_usage;
  }
  if (!junction::log::setup_logging(
          log_format == "json" ? junction::log::Format::json : junction::log::Format::text,
          log_level)) {
    std::cerr << "junction: unknown --log-level '" << log_level << "'\n";
    return junction::cli::exit_usage;
  }
  if (i >= args.size()) {
    print_usage(std::cerr);
    return junction::cli::exit_usage;
  }
  // Longest command name first: "plugins list" before a bare "plugins".
  for (std::size_t words = 2; words >= 1; --words) {
    if (i + words > args.size()) continue;
    std::string name = args[i];
    for (std::size_t w = 1; w < words; ++w) name += " " + args[i + w];
    auto it = commands().find(name);
    if (it == commands().end()) continue;
    // Whatever a command prints passes through the secret filter.
    junction::log::RedactingStreambuf out_buffer(std::cout.rdbuf());
    junction::log::RedactingStreambuf err_buffer(std::cerr.rdbuf());
    std::ostream out(&out_buffer);
    std::ostream err(&err_buffer);
    const CommandArgs command{
        name, {args.begin() + static_cast<long>(i + words), args.end()}, out, err};
    try {
      return it->second(command);
    } catch (const std::exception &e) {
      err << "junction " << name << ": " << junction::store::readable_failure(e.what()) << "\n";
      return junction::cli::exit_failed;
    }
  }
  // A group word alone ("junction errors --help"): its commands.
  std::vector<std::string> group;
  for (const auto &[name, runner] : commands()) {
    if (name.rfind(args[i] + " ", 0) == 0) group.push_back(name);
  }
  if (!group.empty()) {
    const bool help = i + 1 < args.size() && (args[i + 1] == "--help" || args[i + 1] == "-h");
    std::ostream &out = help ? std::cout : std::cerr;
    if (!help) out << "junction " << args[i] << ": a command is missing\n";
    out << "usage:\n";
    for (const auto &name : group) out << "  junction " << name << " [ARGS]\n";
    out << "'junction COMMAND --help' describes each\n";
    return help ? junction::cli::exit_ok : junction::cli::exit_usage;
  }
  std::cerr << "junction: unknown command '" << args[i] << "'\n";
  print_usage(std::cerr);
  return junction::cli::exit_usage;
}
