// Who is acting: --actor when given, else the operating-system user.
#pragma once

#include <pwd.h>
#include <unistd.h>

#include <string>

namespace junction::cli {

inline std::string operating_system_user() {
  if (const passwd *pw = ::getpwuid(::geteuid()); pw != nullptr && pw->pw_name != nullptr) {
    return pw->pw_name;
  }
  return "uid:" + std::to_string(::geteuid());
}

}  // namespace junction::cli
