// junction check: whole configs against real plugins.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"

namespace junction::testing {
namespace {

class CheckCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    install_test_plugins(dir / "plugins", {"memory.so", "throwing.so", "abi-next.so"});
  }
  ProcessResult check(const std::string &config_text, ProcessOptions options = {}) {
    const auto file = dir.write("junction.json", config_text);
    return junction({"check", "--config", file.string()}, options);
  }
  std::string file() const { return (dir / "junction.json").string(); }
  TempDir dir;
};

TEST_F(CheckCommand, AcceptsAValidConfig) {
  const auto r = check(R"({
    // comments are allowed
    "plugin_path": ["plugins"],
    "connectors": {
      "people": {"plugin": "memory", "config": {"entities": {"people": [{"id": 1}]}}},
      "crm": {"plugin": "memory", "config": {"dump_to": "out.json"}}
    },
    "flows": [{"name": "people-to-crm",
               "from": {"connector": "people", "entity": "people", "key": ["id"]},
               "to": {"connector": "crm", "entity": "contacts"}}]
  })");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, file() + ": OK (2 connectors, 1 flows)\n");
}

// Values of the wrong JSON type anywhere are located problems (exit 2), never an escaped
// exception (exit 1).
TEST_F(CheckCommand, ValuesOfTheWrongTypeAreNamedByTheirPointer) {
  const auto config = [](const std::string &flow) {
    return R"({"plugin_path": ["plugins"], "connectors": {"people": {"plugin": "memory",
      "config": {"entities": {"people": [{"id": 1}]}}}}, "flows": [)" +
           flow + "]}";
  };
  const std::string ends =
      R"("from": {"connector": "people", "entity": "people", "key": ["id"]},
         "to": {"connector": "people", "entity": "copy"})";
  const std::vector<std::pair<std::string, std::string>> cases{
      {R"({"name": 5, )" + ends + "}", "/flows/0/name: expected a value of type string"},
      {R"({"name": "f", )" + ends + R"(, "mapping": {"x": {"from": "id", "required": 1}}})",
       "/flows/0/mapping/x/required: expected a value of type boolean"},
      {R"({"name": "f", )" + ends + R"(, "mapping": {"x": {"from": "id", "transform": [5]}}})",
       "/flows/0/mapping/x/transform/0: expected one of"}};
  for (const auto &[flow, expected] : cases) {
    const auto r = check(config(flow));
    EXPECT_EQ(r.exit_code, 2) << flow << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find(file() + ": " + expected), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("json.exception"), std::string::npos) << r.err;
  }
}

TEST_F(CheckCommand, ReportsAllThreeProblemsOfTheAcceptanceConfigAtOnce) {
  ProcessOptions options;
  options.unset_env.push_back("JUNCTION_CRM_TOKEN_UNSET");
  const auto r = check(R"({
    "plugin_path": ["plugins"],
    "telemetry": true,
    "connectors": {
      "crm": {"plugin": "memory",
              "config": {"dump_to": "out.json", "tokn": "${env:JUNCTION_CRM_TOKEN_UNSET}"}}
    }
  })",
                       options);
  EXPECT_EQ(r.exit_code, 2);
  const auto lines = lines_of(r.err);
  ASSERT_EQ(lines.size(), 4U) << r.err;
  EXPECT_EQ(lines[0], file() +
                          ": /connectors/crm/config/tokn: environment variable "
                          "JUNCTION_CRM_TOKEN_UNSET referenced by "
                          "${env:JUNCTION_CRM_TOKEN_UNSET} is not set");
  EXPECT_EQ(lines[1],
            file() +
                ": /telemetry: unknown key 'telemetry' (expected one of: $schema, "
                "accounts, alerts, connectors, flows, plugin_path, service, store, syncs)");
  EXPECT_EQ(lines[2], file() +
                          ": /connectors/crm/config/tokn: unknown key 'tokn' (expected one "
                          "of: assign_ids, dump_to, entities, reject_keys, token)");
  EXPECT_EQ(lines[3], "3 problems in " + file());
}

TEST_F(CheckCommand, NeverPrintsASecretValue) {
  ProcessOptions options;
  options.set_env["JUNCTION_TEST_SECRET"] = "sup3r-s3cret-t0ken";
  const auto r = check(R"({
    "plugin_path": ["plugins"],
    "connectors": {"crm": {"plugin": "memory", "config": {"reject_keys": "${env:JUNCTION_TEST_SECRET}"}}}
  })",
                       options);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.find("sup3r"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/connectors/crm/config/reject_keys: expected a value of type array, found "
                       "a value from a secret reference (not shown)"),
            std::string::npos)
      << r.err;
}

TEST_F(CheckCommand, ReportsAConnectorWhosePluginFailsToStart) {
  const auto r = check(R"({"plugin_path": ["plugins"],
                           "connectors": {"broken": {"plugin": "throwing"}}})");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines_of(r.err).at(0),
            file() +
                ": /connectors/broken/config: connector 'broken' could not start: the "
                "throwing plugin always fails to start (invalid config)");
}

TEST_F(CheckCommand, ExplainsARefusedPluginAndAnUnknownOne) {
  const auto r = check(R"({"plugin_path": ["plugins"],
                           "connectors": {"next": {"plugin": "abi-next"},
                                          "crm": {"plugin": "hubspot"}}})");
  EXPECT_EQ(r.exit_code, 2);
  const auto lines = lines_of(r.err);
  ASSERT_EQ(lines.size(), 3U) << r.err;
  EXPECT_EQ(lines[0], file() +
                          ": /connectors/crm/plugin: unknown plugin 'hubspot' (available: "
                          "memory, throwing)");
  EXPECT_EQ(lines[1], file() + ": /connectors/next/plugin: plugin 'abi-next' was refused: " +
                          (dir / "plugins" / "abi-next.so").string() +
                          ": wrong ABI: built for ABI 2.0, this host speaks ABI 1.2 (major "
                          "versions must be equal)");
}

TEST_F(CheckCommand, ChecksEachFlowEndAgainstThePluginRoles) {
  const auto r = check(R"({"plugin_path": ["plugins"],
    "connectors": {"sinkonly": {"plugin": "throwing"}, "mem": {"plugin": "memory"}},
    "flows": [{"name": "backwards", "from": {"connector": "sinkonly", "entity": "x"},
               "to": {"connector": "mem", "entity": "x"}}]})");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(file() + ": /flows/0/from/connector: connector 'sinkonly' (plugin "
                                "throwing) cannot be a source; it is: sink"),
            std::string::npos)
      << r.err;
}

TEST_F(CheckCommand, ReportsASyntaxErrorWithLineAndColumn) {
  const auto r = check("{\n  \"connectors\": {\n    \"a\": {\"plugin\": \"memory\",}\n  }\n}\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines_of(r.err).at(0), file() +
                                       ":3:30: invalid JSON: syntax error while parsing "
                                       "object key - unexpected '}'; expected string literal");
  // One problem, not a second, false one about the store the file could not say.
  EXPECT_EQ(lines_of(r.err).size(), 2U) << r.err;
  EXPECT_EQ(r.err.find("/store"), std::string::npos) << r.err;
}

TEST_F(CheckCommand, TheShippedDefaultConfigIsValid) {
  const auto r = junction({"check", "--config", (source_dir() / "config/junction.json").string(),
                           "--plugin-path", built_plugin_dir().string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(CheckCommand, LogsJsonLinesWhenAsked) {
  const auto file_path = dir.write("junction.json", R"({"plugin_path": ["plugins"],
      "connectors": {"mem": {"plugin": "memory"}}})");
  const auto r = junction(
      {"--log-format", "json", "--log-level", "debug", "check", "--config", file_path.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.err);
  ASSERT_FALSE(lines.empty());
  for (const auto &line : lines) {
    const auto entry = nlohmann::json::parse(line);
    EXPECT_TRUE(entry.contains("time"));
    EXPECT_TRUE(entry.contains("level"));
    EXPECT_TRUE(entry["message"].is_string());
  }
}

}  // namespace
}  // namespace junction::testing
