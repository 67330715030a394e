#include "app/json_output.hpp"

#include <ostream>

namespace junction::app {

std::string JsonOutput::dump(const nlohmann::json &value, int indent) {
  try {
    return value.dump(indent);
  } catch (const nlohmann::json::type_error &) {
    ++replaced_;
    return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

void JsonOutput::report(std::ostream &err, const std::string &what) const {
  if (replaced_ == 0) return;
  err << "note: bytes that are not UTF-8 were written as U+FFFD in " << replaced_ << " of the "
      << what << "\n";
}

}  // namespace junction::app
