// The command line itself: version, help, usage errors and exit codes.
#include <gtest/gtest.h>

#include "cli_helpers.hpp"

namespace junction::testing {
namespace {

TEST(Cli, PrintsItsVersionAndAbi) {
  const auto r = junction({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "junction 0.1.0 (plugin ABI 1.1)\n");
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
