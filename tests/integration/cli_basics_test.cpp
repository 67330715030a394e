// The command line itself: version, help, usage errors and exit codes.
#include <gtest/gtest.h>

#include "cli_helpers.hpp"

namespace junction::testing {
namespace {

TEST(Cli, PrintsItsVersionAndAbi) {
  const auto r = junction({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "junction 0.1.0 (plugin ABI 1.2)\n");
}

TEST(Cli, WithoutACommandPrintsUsageAndExits2) {
  const auto r = junction({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("usage: junction"), std::string::npos);
}

TEST(Cli, RefusesAnUnknownCommand) {
  const auto r = junction({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("junction: unknown command 'frobnicate'"), std::string::npos);
}

TEST(Cli, AGroupOfCommandsHasHelpToo) {
  for (const std::string group : {"plugins", "errors", "audit"}) {
    const auto help = junction({group, "--help"});
    EXPECT_EQ(help.exit_code, 0) << group << help.err;
    EXPECT_NE(help.out.find("junction " + group + " list"), std::string::npos) << help.out;
    const auto bare = junction({group});
    EXPECT_EQ(bare.exit_code, 2) << group;
    EXPECT_NE(bare.err.find("a command is missing"), std::string::npos) << bare.err;
  }
}

TEST(Cli, ATimeThatIsNotOneIsAUsageErrorNotAnEmptyList) {
  TempDir dir;
  const auto config = dir.write("junction.json", R"({"connectors": {}})");
  for (const char *command : {"errors", "audit"}) {
    const auto r = junction({command, "list", "--since", "yesterday", "--config", config.string()});
    EXPECT_EQ(r.exit_code, 2) << command << r.out;
    EXPECT_NE(r.err.find("--since 'yesterday' is not a time"), std::string::npos) << r.err;
    EXPECT_EQ(
        junction({command, "list", "--since", "2026-11-30T14:00", "--config", config.string()})
            .exit_code,
        0);
  }
}

TEST(Cli, RefusesAnUnknownGlobalOption) {
  const auto r = junction({"--colour", "check"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown or incomplete option '--colour'"), std::string::npos);
}

TEST(Cli, RefusesAnUnknownLogLevelOrFormat) {
  EXPECT_EQ(junction({"--log-level", "loud", "plugins", "list"}).exit_code, 2);
  const auto r = junction({"--log-format", "xml", "plugins", "list"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "junction: --log-format must be text or json, not 'xml'\n");
}

TEST(Cli, EveryCommandHasHelp) {
  for (const std::vector<std::string> &command : {std::vector<std::string>{"check"},
                                                  {"plugins", "list"},
                                                  {"plugins", "describe"},
                                                  {"status"}}) {
    auto args = command;
    args.push_back("--help");
    const auto r = junction(args);
    std::string name = command[0] + (command.size() > 1 ? " " + command[1] : "");
    EXPECT_EQ(r.exit_code, 0) << name;
    EXPECT_EQ(r.out.rfind("usage: junction " + name, 0), 0U) << r.out;
  }
}

TEST(Cli, AMissingRequiredOptionIsAUsageError) {
  const auto r = junction({"check"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("the option '--config' is required but missing"), std::string::npos)
      << r.err;
}

TEST(Cli, AnUnknownCommandOptionIsAUsageError) {
  const auto r = junction({"plugins", "list", "--plugin-dir", "x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unrecognised option '--plugin-dir'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace junction::testing
