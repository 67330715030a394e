// What every subcommand shares: its arguments and a uniform way to parse them.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

namespace junction::cli {

struct CommandArgs {
  std::string name;               // "plugins list"
  std::vector<std::string> args;  // what follows the command words
  std::ostream &out;
  std::ostream &err;
};

// Parses `args` with `options`; on --help prints usage and returns false with code 0; on a
// usage error prints it and returns false with code 2.
bool parse_command_line(
    const CommandArgs &command, const std::string &synopsis,
    const boost::program_options::options_description &options,
    boost::program_options::variables_map &values, int &exit_code,
    const boost::program_options::positional_options_description *positional = nullptr);

int run_check(const CommandArgs &command);
int run_plugins_list(const CommandArgs &command);
int run_plugins_describe(const CommandArgs &command);
int run_status(const CommandArgs &command);
int run_sync(const CommandArgs &command);
int run_service(const CommandArgs &command);
int run_plan(const CommandArgs &command);
int run_review_list(const CommandArgs &command);
int run_review_show(const CommandArgs &command);
int run_review_approve(const CommandArgs &command);
int run_review_reject(const CommandArgs &command);
int run_review_resolve(const CommandArgs &command);
int run_review_link(const CommandArgs &command);
int run_errors_list(const CommandArgs &command);
int run_errors_show(const CommandArgs &command);
int run_errors_retry(const CommandArgs &command);
int run_errors_edit(const CommandArgs &command);
int run_errors_discard(const CommandArgs &command);
int run_errors_export(const CommandArgs &command);
int run_audit_list(const CommandArgs &command);
int run_audit_verify(const CommandArgs &command);
int run_audit_export(const CommandArgs &command);

}  // namespace junction::cli
