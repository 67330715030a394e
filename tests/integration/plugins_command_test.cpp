// junction plugins list | describe against real plugin files.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"

namespace junction::testing {
namespace {

TEST(PluginsList, ShowsNameVersionAbiRolesAndEntities) {
  TempDir dir;
  install_test_plugins(dir.path(), {"memory.so", "throwing.so"});
  const auto r = junction({"plugins", "list", "--plugin-path", dir.path().string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3U) << r.out;
  EXPECT_EQ(lines[0], "NAME            VERSION   ABI   ROLES         ENTITIES                PATH");
  EXPECT_EQ(lines[1], "memory          1.0.0     1.2   source, sink  *                       " +
                          (dir / "memory.so").string());
  EXPECT_EQ(lines[2], "throwing        1.0.0     1.2   sink          *                       " +
                          (dir / "throwing.so").string());
}

TEST(PluginsList, NamesEveryRefusedFileWithItsReasonAndExits2) {
  TempDir dir;
  install_test_plugins(
      dir.path(), {"memory.so", "not-a-plugin.so", "abi-next.so", "no-entry.so", "bad-schema.so"});
  std::filesystem::copy_file(test_plugin_dir() / "memory.so", dir / "memory-again.so");
  dir.write("empty.so", "");
  dir.write("text.so", "#!/bin/sh\necho not a library\n");
  const auto r = junction({"plugins", "list", "--plugin-path", dir.path().string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.signal, 0);
  const auto d = dir.path().string();
  const auto refused = lines_of(r.err);
  ASSERT_EQ(refused.size(), 7U) << r.err;
  EXPECT_EQ(refused[0], "refused: " + d +
                            "/abi-next.so: wrong ABI: built for ABI 2.0, this host speaks ABI "
                            "1.2 (major versions must be equal)");
  EXPECT_EQ(refused[1].rfind("refused: " + d +
                                 "/bad-schema.so: invalid manifest: /config_schema is not a "
                                 "usable JSON Schema: ",
                             0),
            0U)
      << refused[1];
  EXPECT_EQ(refused[2], "refused: " + d + "/empty.so: not a plugin: not an ELF shared library");
  EXPECT_EQ(refused[3], "refused: " + d +
                            "/memory.so: duplicate plugin name 'memory': already "
                            "provided by " +
                            d + "/memory-again.so");
  EXPECT_EQ(refused[4], "refused: " + d +
                            "/no-entry.so: not a plugin: no exported junction_plugin_entry symbol");
  EXPECT_EQ(refused[5].rfind(
                "refused: " + d + "/not-a-plugin.so: not a plugin: no .junction_abi section", 0),
            0U)
      << refused[5];
  EXPECT_EQ(refused[6], "refused: " + d + "/text.so: not a plugin: not an ELF shared library");
  // The good plugin is still listed.
  EXPECT_NE(r.out.find("memory          1.0.0"), std::string::npos) << r.out;
}

// Two files with one plugin name: `plugins list`, `check` and `sync` all say so, naming both
// files; a config using that plugin is refused, since which code would run depends on the
// order of the path.
TEST(PluginsList, ADuplicateNameIsReportedByCheckAndSyncToo) {
  TempDir dir;
  install_test_plugins(dir / "a", {"memory.so"});
  install_test_plugins(dir / "b", {"memory.so"});
  const std::string a = (dir / "a").string(), b = (dir / "b").string();
  dir.write("uses.json", R"({"store": "sqlite:state.db", "connectors": {
      "m": {"plugin": "memory", "config": {"entities": {"people": [{"id": 1}]}}}},
    "flows": [{"name": "f", "from": {"connector": "m", "entity": "people", "key": ["id"]},
               "to": {"connector": "m", "entity": "copy", "key": ["id"]}}]})");
  const std::vector<std::string> path{"--plugin-path", a, "--plugin-path", b};
  const auto with_path = [&](std::vector<std::string> args) {
    args.insert(args.end(), path.begin(), path.end());
    return junction(args);
  };

  const auto listed = with_path({"plugins", "list"});
  EXPECT_EQ(listed.exit_code, 2);
  EXPECT_NE(listed.err.find(b + "/memory.so: duplicate plugin name 'memory': already provided by " +
                            a + "/memory.so"),
            std::string::npos)
      << listed.err;
  const std::string twice =
      "/connectors/m/plugin: plugin 'memory' is on the plugin path twice: " + a +
      "/memory.so and " + b + "/memory.so";
  for (const char *command : {"check", "sync"}) {
    const auto r = with_path({command, "--config", (dir / "uses.json").string()});
    EXPECT_EQ(r.exit_code, 2) << command << r.out << r.err;
    EXPECT_NE(r.err.find(twice), std::string::npos) << command << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "state.db")) << "sync ran nonetheless";

  // A config that does not use the plugin runs, with a warning naming the files.
  dir.write("other.json", R"({"store": "sqlite:state.db", "connectors": {}, "flows": []})");
  const auto other = with_path({"check", "--config", (dir / "other.json").string()});
  EXPECT_EQ(other.exit_code, 0) << other.err;
  EXPECT_NE(other.err.find("duplicate plugin name 'memory'"), std::string::npos) << other.err;
}

TEST(PluginsList, PrintsJsonForScripts) {
  TempDir dir;
  install_test_plugins(dir.path(), {"memory.so", "abi-next.so"});
  const auto r = junction({"plugins", "list", "--json", "--plugin-path", dir.path().string()});
  EXPECT_EQ(r.exit_code, 2);
  const auto out = nlohmann::json::parse(r.out);
  ASSERT_EQ(out["plugins"].size(), 1U);
  EXPECT_EQ(out["plugins"][0]["name"], "memory");
  EXPECT_EQ(out["plugins"][0]["abi"], "1.2");
  EXPECT_EQ(out["plugins"][0]["roles"], nlohmann::json({"source", "sink"}));
  ASSERT_EQ(out["refused"].size(), 1U);
  EXPECT_EQ(out["refused"][0]["path"], (dir / "abi-next.so").string());
}

TEST(PluginsList, ReportsAMissingPluginDirectory) {
  const auto r = junction({"plugins", "list", "--plugin-path", "/nonexistent/plugins"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("refused: /nonexistent/plugins: plugin directory does not exist"),
            std::string::npos);
}

TEST(PluginsList, SearchesJunctionPluginPathToo) {
  TempDir dir;
  install_test_plugins(dir.path(), {"memory.so"});
  ProcessOptions options;
  options.set_env["JUNCTION_PLUGIN_PATH"] = dir.path().string();
  options.set_env["JUNCTION_DEFAULT_PLUGIN_PATH"] = "";
  const auto r = run_process(junction_binary().string(), {"plugins", "list"}, options);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("memory"), std::string::npos);
}

TEST(PluginsDescribe, ShowsTheManifestAndConfigSchema) {
  TempDir dir;
  install_test_plugins(dir.path(), {"memory.so"});
  const auto r = junction({"plugins", "describe", "memory", "--plugin-path", dir.path().string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("memory 1.0.0 (ABI 1.2)\nTest plugin: a source", 0), 0U) << r.out;
  EXPECT_NE(r.out.find("roles:    source, sink"), std::string::npos);
  EXPECT_NE(r.out.find("\"dump_to\""), std::string::npos);

  const auto described =
      junction({"plugins", "describe", "memory", "--json", "--plugin-path", dir.path().string()});
  EXPECT_EQ(nlohmann::json::parse(described.out)["config_schema"]["additionalProperties"], false);
}

TEST(PluginsDescribe, SaysWhatASystemOwnsAndHowItsSinkWritesConditionally) {
  const auto sql =
      junction({"plugins", "describe", "sql", "--plugin-path", built_plugin_dir().string()});
  EXPECT_EQ(sql.exit_code, 0) << sql.err;
  EXPECT_NE(sql.out.find("    conditional writes: atomic\n"), std::string::npos) << sql.out;
  const auto crm = junction(
      {"plugins", "describe", "crm", "--json", "--plugin-path", built_plugin_dir().string()});
  EXPECT_EQ(nlohmann::json::parse(crm.out)["entities"][0]["conditional_writes"], "checked");
  const auto email = junction(
      {"plugins", "describe", "email", "--json", "--plugin-path", built_plugin_dir().string()});
  const auto entities = nlohmann::json::parse(email.out)["entities"];
  bool owns_status = false;
  for (const auto &e : entities) {
    owns_status |=
        e.value("owns", nlohmann::json::array()).dump().find("\"status\"") != std::string::npos;
    EXPECT_FALSE(e.contains("conditional_writes")) << e.dump();
  }
  EXPECT_TRUE(owns_status) << entities.dump();
}

TEST(PluginsDescribe, NamesAMissingPlugin) {
  TempDir dir;
  const auto r = junction({"plugins", "describe", "csv", "--plugin-path", dir.path().string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "junction plugins describe: no plugin named 'csv' on the plugin path\n");
}

}  // namespace
}  // namespace junction::testing
