#include "cli/command.hpp"

#include <ostream>

#include "cli/exit_codes.hpp"

namespace junction::cli {

namespace po = boost::program_options;

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
