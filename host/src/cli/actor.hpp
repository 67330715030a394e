// Who is acting: --actor when given, else the operating-system user.
#pragma once

#include <pwd.h>
#include <unistd.h>

#include <string>

#include <boost/program_options.hpp>

namespace junction::cli {

inline std::string operating_system_user() {
  if (const passwd *pw = ::getpwuid(::geteuid()); pw != nullptr && pw->pw_name != nullptr) {
    return pw->pw_name;
  }
  return "uid:" + std::to_string(::geteuid());
}

inline void add_actor_option(boost::program_options::options_description &options) {
  options.add_options()("actor", boost::program_options::value<std::string>(),
                        "who does it, for the audit (default: the OS user)");
}

inline std::string actor_of(const boost::program_options::variables_map &values) {
  return values.count("actor") != 0U ? values["actor"].as<std::string>() : operating_system_user();
}

}  // namespace junction::cli
