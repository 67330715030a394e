#include "config/host_config.hpp"

#include <cstdlib>

#include <gtest/gtest.h>

#include "temp_dir.hpp"

namespace junction::config {
namespace {

const std::filesystem::path config_file = "/cfg/junction.json";

std::vector<std::string> problems_of(const std::string &text) {
  std::vector<std::string> out;
  for (const auto &d : load_host_config_text(text, config_file).problems) {
    out.push_back(d.to_string());
  }
  return out;
}

struct MalformedCase {
  const char *name;
  std::string text;
  std::vector<std::string> expected;
};

class MalformedConfig : public ::testing::TestWithParam<MalformedCase> {
 protected:
  static void SetUpTestSuite() {
    setenv("JUNCTION_TEST_SECRET_STORE", "mysql://admin:hunter2@db/prod", 1);
    unsetenv("JUNCTION_TEST_UNSET_VARIABLE");
  }
};

TEST_P(MalformedConfig, ReportsEveryProblemWithItsPointer) {
  EXPECT_EQ(problems_of(GetParam().text), GetParam().expected);
}

const std::string F = "/cfg/junction.json: ";
const char *const valid_connector = R"("src": {"plugin": "memory"}, "dst": {"plugin": "memory"})";

std::string with_connectors(const std::string &rest) {
  return std::string(R"({"connectors": {)") + valid_connector + "}" + rest + "}";
}

std::string with_flow(const std::string &flow) {
  return with_connectors(R"(, "flows": [)" + flow + "]");
}

const std::string minimal_flow_ends =
    R"("from": {"connector": "src", "entity": "people", "key": ["id"]}, "to": {"connector": "dst", "entity": "contacts"})";

INSTANTIATE_TEST_SUITE_P(
    Config, MalformedConfig,
    ::testing::Values(
        MalformedCase{"unterminated_object",
                      R"({"connectors": {})",
                      {"/cfg/junction.json:1:17: invalid JSON: syntax error while parsing object - "
                       "unexpected end of input; expected '}'"}},
        MalformedCase{"trailing_comma",
                      "{\n  \"connectors\": {},\n}",
                      {"/cfg/junction.json:3:1: invalid JSON: syntax error while parsing object "
                       "key - unexpected '}'; expected string literal"}},
        MalformedCase{
            "root_is_array", "[]", {F + "/: expected a value of type object, found an array"}},
        MalformedCase{"missing_connectors", "{}", {F + "/: missing required key 'connectors'"}},
        MalformedCase{"unknown_top_level_keys",
                      R"({"connectors": {}, "flow": [], "stor": "x"})",
                      {F + "/flow: unknown key 'flow' (expected one of: $schema, accounts, "
                           "alerts, connectors, flows, plugin_path, service, store, syncs)",
                       F + "/stor: unknown key 'stor' (expected one of: $schema, accounts, "
                           "alerts, connectors, flows, plugin_path, service, store, syncs)"}},
        MalformedCase{"store_wrong_type",
                      R"({"connectors": {}, "store": 5})",
                      {F + "/store: expected a value of type string, found the number 5"}},
        MalformedCase{"store_unknown_scheme",
                      R"({"connectors": {}, "store": "mysql://db"})",
                      {F + "/store: expected a string matching the pattern "
                           "^(sqlite:.+|postgres(ql)?://.+)$, found the string \"mysql://db\""}},
        MalformedCase{"store_secret_never_shown",
                      R"({"connectors": {}, "store": "${env:JUNCTION_TEST_SECRET_STORE}"})",
                      {F + "/store: expected a string matching the pattern "
                           "^(sqlite:.+|postgres(ql)?://.+)$, found a value from a secret "
                           "reference (not shown)"}},
        MalformedCase{"plugin_path_not_array",
                      R"({"connectors": {}, "plugin_path": "plugins"})",
                      {F + "/plugin_path: expected a value of type array, found the string "
                           "\"plugins\""}},
        MalformedCase{"plugin_path_empty_item",
                      R"({"connectors": {}, "plugin_path": [""]})",
                      {F + "/plugin_path/0: string should be no fewer than 1 characters in "
                           "length; found the string \"\""}},
        MalformedCase{"connector_without_plugin",
                      R"({"connectors": {"acme": {}}})",
                      {F + "/connectors/acme: missing required key 'plugin'"}},
        MalformedCase{"connector_unknown_key",
                      R"({"connectors": {"acme": {"plugin": "csv", "settings": {}}}})",
                      {F + "/connectors/acme/settings: unknown key 'settings' (expected one of: "
                           "config, description, plugin)"}},
        MalformedCase{"connector_config_not_object",
                      R"({"connectors": {"acme": {"plugin": "csv", "config": "dir=x"}}})",
                      {F + "/connectors/acme/config: expected a value of type object, found the "
                           "string \"dir=x\""}},
        MalformedCase{"flows_not_array",
                      R"({"connectors": {}, "flows": {}})",
                      {F + "/flows: expected a value of type array, found an object"}},
        MalformedCase{"flow_missing_everything",
                      R"({"connectors": {}, "flows": [{}]})",
                      {F + "/flows/0: missing required key 'from'",
                       F + "/flows/0: missing required key 'name'",
                       F + "/flows/0: missing required key 'to'"}},
        MalformedCase{"flow_bad_name",
                      "{\"connectors\": {}, \"flows\": [{\"name\": \"my flow\", "
                      "\"from\": {\"connector\": \"a\", \"entity\": \"e\"}, "
                      "\"to\": {\"connector\": \"a\", \"entity\": \"e\"}}]}",
                      {F + "/flows/0/name: expected a string matching the pattern "
                           "^[A-Za-z][A-Za-z0-9_-]{0,62}$, found the string \"my flow\"",
                       F + "/flows/0/from/connector: unknown connector 'a' (expected one of: "
                           "none defined)",
                       F + "/flows/0/to/connector: unknown connector 'a' (expected one of: none "
                           "defined)"}},
        MalformedCase{"flow_unknown_connector",
                      with_flow(R"({"name": "f", "from": {"connector": "crm", "entity": "e"},
                                   "to": {"connector": "dst", "entity": "e"}})"),
                      {F + "/flows/0/from/connector: unknown connector 'crm' (expected one of: "
                           "dst, src)"}},
        MalformedCase{"duplicate_flow_names",
                      with_flow(R"({"name": "f", )" + minimal_flow_ends + R"(}, {"name": "f", )" +
                                minimal_flow_ends + "}"),
                      {F + "/flows/1/name: duplicate flow name 'f' (first used at /flows/0)"}},
        MalformedCase{"schedule_bad_duration",
                      with_flow(R"({"name": "f", "schedule": {"every": "10 minutes"}, )" +
                                minimal_flow_ends + "}"),
                      {F + "/flows/0/schedule/every: expected a string matching the pattern "
                           "^[0-9]+(ms|s|m|h|d)$, found the string \"10 minutes\""}},
        MalformedCase{"mapping_unknown_key",
                      with_flow(R"({"name": "f", "mapping": {"email": {"source": "Email"}}, )" +
                                minimal_flow_ends + "}"),
                      {F + "/flows/0/mapping/email/source: unknown key 'source' (expected one "
                           "of: const, country, default, format, from, max_length, on_too_long, "
                           "optional, required, rounding, sensitive, transform, type, values, "
                           "values_default, values_strict)"}},
        MalformedCase{
            "mapping_unknown_transform",
            with_flow(
                R"({"name": "f", "mapping": {"email": {"from": "Email", "transform": ["trim", "lowercase"]}}, )" +
                minimal_flow_ends + "}"),
            {F + "/flows/0/mapping/email/transform/1: expected one of 'trim', "
                 "'lower', 'upper', 'collapse_whitespace', 'normalize_email', "
                 "'phone_e164', 'nfc', 'mask', found the string \"lowercase\""}},
        MalformedCase{
            "retry_attempts_zero",
            with_flow(R"({"name": "f", "retry": {"max_attempts": 0}, )" + minimal_flow_ends + "}"),
            {F + "/flows/0/retry/max_attempts: expected number greater than or equal "
                 "to 1; found the number 0"}},
        MalformedCase{
            "durations_out_of_range",
            with_flow(R"({"name": "f", "retry": {"initial_delay": "9223372036854775807d", )"
                      R"("max_delay": "36601d", "max_elapsed": "10m"}, )"
                      R"("filter": [{"field": "t", "within": "99999999999999999999999ms"}], )" +
                      minimal_flow_ends + "}"),
            {F + "/flows/0/retry/initial_delay: '9223372036854775807d' is not a duration of at "
                 "most 100 years (a number and ms, s, m, h or d)",
             F + "/flows/0/retry/max_delay: '36601d' is not a duration of at most 100 years (a "
                 "number and ms, s, m, h or d)",
             F + "/flows/0/filter/0/within: '99999999999999999999999ms' is not a duration of at "
                 "most 100 years (a number and ms, s, m, h or d)"}},
        MalformedCase{"unterminated_comment_quotes_only_its_end",
                      "{\"connectors\": {} /* token: s3cr3t-s3cr3t-s3cr3t and much more "
                      "text after it, up to the end of the file\n}",
                      {"/cfg/junction.json:2:1: invalid JSON: syntax error while parsing object - "
                       "invalid comment; missing closing '*/'; last read: '...e end of the "
                       "file<U+000A>}'; expected '}'"}},
        MalformedCase{
            "a_long_unknown_key_is_cut",
            "{\"connectors\": {}, \"" + std::string(100000, 'k') + "\": 1}",
            {F + "/" + std::string(60, 'k') + "...: unknown key '" + std::string(60, 'k') +
             "...' (expected one of: $schema, accounts, alerts, connectors, flows, "
             "plugin_path, service, store, syncs)"}},
        MalformedCase{"batch_size_wrong_type",
                      with_flow(R"({"name": "f", "batch_size": "500", )" + minimal_flow_ends + "}"),
                      {F + "/flows/0/batch_size: expected a value of type integer, found the "
                           "string \"500\""}},
        MalformedCase{
            "empty_key_list",
            with_flow(R"({"name": "f", "from": {"connector": "src", "entity": "e", "key": []},
                                   "to": {"connector": "dst", "entity": "e"}})"),
            {F + "/flows/0/from/key: array should contain no fewer than 1 elements; "
                 "found an array"}},
        MalformedCase{
            "env_reference_unset",
            R"({"connectors": {"crm": {"plugin": "memory", "config": {"token": "${env:JUNCTION_TEST_UNSET_VARIABLE}"}}}})",
            {F + "/connectors/crm/config/token: environment variable "
                 "JUNCTION_TEST_UNSET_VARIABLE referenced by "
                 "${env:JUNCTION_TEST_UNSET_VARIABLE} is not set"}},
        MalformedCase{
            "file_reference_missing",
            R"({"connectors": {"crm": {"plugin": "memory", "config": {"token": "${file:secrets/crm-token}"}}}})",
            {F + "/connectors/crm/config/token: file /cfg/secrets/crm-token referenced "
                 "by ${file:secrets/crm-token} cannot be read: No such file or "
                 "directory"}},
        MalformedCase{
            "unknown_reference_scheme",
            R"({"connectors": {"crm": {"plugin": "memory", "config": {"token": "${vault:crm/token}"}}}})",
            {F + "/connectors/crm/config/token: unknown reference ${vault:...}: "
                 "expected ${env:NAME} or ${file:PATH}"}},
        MalformedCase{
            "unterminated_reference",
            R"({"connectors": {"crm": {"plugin": "memory", "config": {"token": "${env:TOKEN"}}}})",
            {F + "/connectors/crm/config/token: unterminated reference: expected "
                 "${env:NAME} or ${file:PATH} closed by '}' (write $${ for a literal "
                 "${)"}},
        MalformedCase{"bad_connector_name",
                      R"({"connectors": {"9lives": {"plugin": "memory"}}})",
                      {F + "/connectors/9lives: unknown key '9lives' (expected a key matching "
                           "^[A-Za-z][A-Za-z0-9_-]{0,62}$)"}}),
    [](const ::testing::TestParamInfo<MalformedCase> &param) { return param.param.name; });

TEST(HostConfig, AcceptsACompleteConfigWithComments) {
  setenv("JUNCTION_TEST_TOKEN", "s3cret-value", 1);
  const auto loaded = load_host_config_text(R"(// Junction config
    {
      /* state */ "store": "sqlite:state/junction.db",
      "plugin_path": ["plugins", "/opt/junction/plugins"],
      "connectors": {
        "acme": {"plugin": "memory", "config": {"token": "${env:JUNCTION_TEST_TOKEN}"}},
        "crm": {"plugin": "memory", "config": {"dump_to": "literal $${not-a-reference}"}}
      },
      "flows": [{
        "name": "members-to-crm",
        "from": {"connector": "acme", "entity": "members", "key": ["member_id"]},
        "to": {"connector": "crm", "entity": "contacts"},
        "schedule": {"every": "10m"},
        "mapping": {"email": {"from": "Email", "transform": ["trim", "lower"], "required": true}},
        "match": [["email"], ["firstname", "lastname", "zip"]],
        "retry": {"max_attempts": 8, "max_delay": "5m"}
      }]
    })",
                                            config_file);
  ASSERT_TRUE(loaded.problems.empty()) << loaded.problems.front().to_string();
  const auto &c = loaded.config;
  EXPECT_EQ(c.store, "sqlite:state/junction.db");
  ASSERT_EQ(c.plugin_path.size(), 2U);
  EXPECT_EQ(c.plugin_path[0], "/cfg/plugins");
  EXPECT_EQ(c.plugin_path[1], "/opt/junction/plugins");
  EXPECT_EQ(c.connectors.at("acme").settings["token"], "s3cret-value");
  EXPECT_EQ(c.connectors.at("crm").settings["dump_to"], "literal ${not-a-reference}");
  EXPECT_TRUE(c.is_secret("/connectors/acme/config/token"));
  EXPECT_FALSE(c.is_secret("/connectors/acme/config"));
  ASSERT_EQ(c.flows.size(), 1U);
  EXPECT_EQ(c.flows[0].name, "members-to-crm");
  EXPECT_EQ(c.flows[0].from.key, std::vector<std::string>{"member_id"});
  EXPECT_EQ(c.flows[0].to.connector, "crm");
}

TEST(HostConfig, ReadsSecretsFromFilesWithoutTheTrailingNewline) {
  testing::TempDir dir;
  dir.write("secrets/token", "abc123\n");
  const auto file = dir.write(
      "junction.json",
      R"({"connectors": {"crm": {"plugin": "memory", "config": {"token": "${file:secrets/token}"}}}})");
  const auto loaded = load_host_config(file);
  ASSERT_TRUE(loaded.problems.empty()) << loaded.problems.front().to_string();
  EXPECT_EQ(loaded.config.connectors.at("crm").settings["token"], "abc123");
}

TEST(HostConfig, RefusesSecretFilesThatAreDevicesOrTooLarge) {
  testing::TempDir dir;
  dir.write("secrets/huge", std::string(70 * 1024, 'x'));
  const auto file = dir.write("junction.json",
                              R"({"connectors": {"crm": {"plugin": "memory", "config": {)"
                              R"("token": "${file:/dev/zero}", "key": "${file:secrets/huge}"}}}})");
  const auto loaded = load_host_config(file);  // returns at once: nothing reads forever
  ASSERT_EQ(loaded.problems.size(), 2U);
  const std::string both = loaded.problems[0].to_string() + "\n" + loaded.problems[1].to_string();
  EXPECT_NE(both.find("/dev/zero} cannot be read: it is not a regular file"), std::string::npos)
      << both;
  EXPECT_NE(both.find("secrets/huge} cannot be read: it is larger than 64 KiB"), std::string::npos)
      << both;
}

TEST(HostConfig, RefusesADocumentNestedTenThousandLevelsDeepAtOnce) {
  const std::string deep =
      R"({"connectors": {}, "x": )" + std::string(10000, '[') + std::string(10000, ']') + "}";
  const auto loaded = load_host_config_text(deep, config_file);
  ASSERT_EQ(loaded.problems.size(), 1U);
  EXPECT_NE(loaded.problems[0].to_string().find("nested deeper than 64 levels"), std::string::npos)
      << loaded.problems[0].to_string();
  EXPECT_NE(loaded.problems[0].to_string().find("/x/0/0/0"), std::string::npos);
}

TEST(HostConfig, DefaultsTheStoreToSqliteBesideTheConfig) {
  const auto loaded = load_host_config_text(R"({"connectors": {}})", config_file);
  EXPECT_TRUE(loaded.problems.empty());
  EXPECT_EQ(loaded.config.store, "sqlite:var/state.db");
}

TEST(HostConfig, NamesAnUnreadableFile) {
  const auto loaded = load_host_config("/nonexistent/junction.json");
  ASSERT_EQ(loaded.problems.size(), 1U);
  EXPECT_EQ(loaded.problems[0].to_string(),
            "/nonexistent/junction.json: /: cannot read the config file");
}

}  // namespace
}  // namespace junction::config

namespace junction::config {
namespace {

const char *const sync_connectors = R"("connectors": {
    "crm": {"plugin": "sql", "config": {}},
    "db": {"plugin": "sql", "config": {}}})";

TEST(SyncConfig, ReadsSystemsFieldsAndTheirDirections) {
  const auto loaded = load_host_config_text(std::string("{") + sync_connectors + R"(,
    "syncs": [{"name": "members", "conflicts": "owner", "owners": {"phone": "db", "*": "crm"},
               "match": [["email"], [{"field": "name", "normalize": ["casefold"]}, "city"]],
               "hold": [{"from": "db", "fields": ["city"]}],
               "systems": [
      {"name": "crm", "connector": "crm", "entity": "contacts", "key": ["email"],
       "fields": {"email": "email", "name": "full_name", "city": "town", "phone": "phone"}},
      {"name": "db", "connector": "db", "entity": "members", "key": ["email"],
       "changed_at": "updated_at",
       "fields": {"email": "email", "name": "name", "city": "city",
                  "phone": {"field": "tel", "read": true, "write": false}}}]}]})",
                                            config_file);
  ASSERT_TRUE(loaded.problems.empty()) << loaded.problems.front().to_string();
  ASSERT_EQ(loaded.config.syncs.size(), 1U);
  const auto &sync = loaded.config.syncs[0];
  EXPECT_EQ(sync.canonical_fields(), (std::vector<std::string>{"city", "email", "name", "phone"}));
  ASSERT_EQ(sync.systems.size(), 2U);
  EXPECT_EQ(sync.systems[1].changed_at, "updated_at");
  const auto &tel = sync.systems[1].fields.back();
  EXPECT_EQ(tel.canonical, "phone");
  EXPECT_EQ(tel.field, "tel");
  EXPECT_FALSE(tel.write);
}

// Every name that refers to nothing is reported at once, each with its pointer.
TEST(SyncConfig, ReportsEveryBrokenReference) {
  const auto problems = problems_of(std::string("{") + sync_connectors + R"(,
    "syncs": [{"name": "s", "conflicts": "owner", "owners": {"phone": "erp", "fax": "crm"},
               "match": [["email", "postcode"]],
               "hold": [{"from": "web", "fields": ["town"]}],
               "systems": [
      {"name": "crm", "connector": "crm", "entity": "contacts", "key": ["id"],
       "fields": {"email": "email", "phone": "phone"}},
      {"name": "crm", "connector": "nowhere", "entity": "m", "key": ["email"], "access": "read_only",
       "fields": {"email": {"field": "email", "write": true}}}]},
     {"name": "s", "systems": [
      {"name": "a", "connector": "crm", "entity": "x", "key": ["k"], "fields": {"k": "k"}},
      {"name": "b", "connector": "db", "entity": "y", "key": ["k"], "fields": {"k": "k"}}]}]})");
  EXPECT_EQ(problems,
            (std::vector<std::string>{
                F + "/syncs/0/systems/0/key/0: key field 'id' of system 'crm' is not written from "
                    "any canonical field: records created there would have no key (map it in "
                    "\"fields\", make the system read_only, or set \"assigns_key\" when the "
                    "system gives each new record its key)",
                F + "/syncs/0/systems/1/name: duplicate system name 'crm' in sync 's'",
                F + "/syncs/0/systems/1/connector: unknown connector 'nowhere'",
                F + "/syncs/0/systems/1/fields/email/write: field 'email' is written into "
                    "system 'crm', which is read_only",
                F + "/syncs/0/owners/fax: owners names field 'fax', which no system of the sync "
                    "maps",
                F + "/syncs/0/owners/phone: owner 'erp' is not a system of sync 's' (expected "
                    "one of: crm, crm)",
                F + "/syncs/0/hold/0/from: 'web' is not a system of sync 's' (expected one of: "
                    "crm, crm)",
                F + "/syncs/0/hold/0/fields/0: field 'town' is not mapped by any system of the "
                    "sync",
                F + "/syncs/0/match/0/1: match field 'postcode' is read from no system of the "
                    "sync",
                F + "/syncs/1/name: duplicate sync name 's' (first used at /syncs/0)"}));
}

TEST(SyncConfig, ASyncNeedsTwoSystemsAndKnownPolicies) {
  const auto problems = problems_of(std::string("{") + sync_connectors + R"(,
    "syncs": [{"name": "s", "conflicts": "loudest", "systems": [
      {"name": "a", "connector": "crm", "entity": "x", "key": ["k"], "fields": {"k": "k"}}]}]})");
  ASSERT_EQ(problems.size(), 2U);
  EXPECT_NE(problems[0].find("/syncs/0/"), std::string::npos) << problems[0];
  EXPECT_NE(problems[1].find("/syncs/0/"), std::string::npos) << problems[1];
}

// A number beyond a double's range is a located problem, not an escaped exception (found
// by the config mutation test).
TEST(HostConfig, ANumberTooLargeIsALocatedProblem) {
  EXPECT_EQ(
      problems_of("{\"store\": \"sqlite:s.db\",\n \"x\": 1e999}"),
      (std::vector<std::string>{"/cfg/junction.json:2:7: invalid JSON: the number 1e999 is too "
                                "large to represent"}));
}

}  // namespace
}  // namespace junction::config
