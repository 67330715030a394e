// JSON text for the commands that print or export stored data. Stored text can hold bytes
// that are not UTF-8 (a header or value read before it was checked, a plugin's words);
// such bytes are replaced by U+FFFD rather than failing the whole export, and counted so
// the command can say so.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

namespace junction::app {

class JsonOutput {
 public:
  std::string dump(const nlohmann::json &value, int indent = -1);
  // After the output: one line on `err` when anything was replaced.
  void report(std::ostream &err, const std::string &what) const;
  std::size_t replaced() const { return replaced_; }

 private:
  std::size_t replaced_ = 0;
};

}  // namespace junction::app
