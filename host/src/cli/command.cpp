#include "cli/command.hpp"

#include <ostream>
#include <regex>

#include "cli/exit_codes.hpp"

namespace junction::cli {

namespace po = boost::program_options;

namespace {

// Stored times are ISO 8601 UTC text, compared as text: a --since value must be a prefix
// of that form, or it would silently match everything or nothing.
bool valid_time_bound(const std::string &text) {
  static const std::regex form(
      R"(^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?Z?)?$)");
  return std::regex_match(text, form);
}

}  // namespace

bool parse_command_line(const CommandArgs &command, const std::string &synopsis,
                        const po::options_description &options, po::variables_map &values,
                        int &exit_code, const po::positional_options_description *positional) {
  po::options_description all(options);
  all.add_options()("help,h", "show this help");
  try {
    po::command_line_parser parser(command.args);
    parser.options(all);
    if (positional != nullptr) parser.positional(*positional);
    po::store(parser.run(), values);
    if (values.count("help") != 0U) {
      command.out << "usage: junction " << command.name << " " << synopsis << "\n\n" << all;
      exit_code = exit_ok;
      return false;
    }
    po::notify(values);
    if (values.count("since") != 0U && !valid_time_bound(values["since"].as<std::string>())) {
      throw po::error("--since '" + values["since"].as<std::string>() +
                      "' is not a time: give a UTC date or time such as 2026-11-30, "
                      "2026-11-30T14:00 or 2026-11-30T14:00:00Z");
    }
  } catch (const po::error &e) {
    command.err << "junction " << command.name << ": " << e.what() << "\n"
                << "usage: junction " << command.name << " " << synopsis << "\n(see junction "
                << command.name << " --help)\n";
    exit_code = exit_usage;
    return false;
  }
  return true;
}

}  // namespace junction::cli
