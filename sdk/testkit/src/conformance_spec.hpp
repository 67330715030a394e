// What the conformance suite needs to know about the connector under test, read from the
// JSON file junction_add_conformance_test() generates (see sdk/testkit/README.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace junction::testkit {

struct ConformanceSpec {
  std::string plugin;            // path of the .so
  std::string entity;            // the entity the checks read and write
  std::vector<std::string> key;  // the fields that identify a record
  nlohmann::json config;         // a working config; "@WORKDIR@" and "@FIXTURE@" filled in
  std::vector<nlohmann::json> invalid_configs;  // configs create must refuse
  std::vector<nlohmann::json> records;          // at least 3 sample records, written and read back
  std::vector<std::string> setup;               // command run in each test's work dir first
  std::vector<std::string>
      fixture;  // a server started once; its first line's last word is @FIXTURE@
  std::string read_mode = "snapshot";  // "snapshot" or "incremental": how resuming is checked
  std::uint32_t batch_size = 2;
  bool sink_discards_uncommitted = true;  // false: written data is visible before commit (an API)
  bool rewrites_are_idempotent = true;    // false: every write is a new delivery (files per run)
};

// Reads and checks the spec; throws std::runtime_error naming the file and the problem.
ConformanceSpec read_conformance_spec(const std::string &file);

// A copy of `value` with every "@NAME@" in its strings replaced.
nlohmann::json with_placeholders(const nlohmann::json &value, const std::string &workdir,
                                 const std::string &fixture);
std::string with_placeholders(std::string text, const std::string &workdir,
                              const std::string &fixture);

}  // namespace junction::testkit
