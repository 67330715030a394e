// junction status: the state store on SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include "cli_helpers.hpp"
#include "postgres.hpp"

namespace junction::testing {
namespace {

TEST(StatusCommand, CreatesAndMigratesTheDefaultSqliteStore) {
  TempDir dir;
  const auto config = dir.write("etc/junction.json", R"({"connectors": {}})");
  const auto r = junction({"status", "--config", config.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir / "etc/var/state.db"));
  EXPECT_NE(r.out.find("store:          sqlite:" + (dir / "etc/var/state.db").string()),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("schema version: 5 (this build knows 5)"), std::string::npos);
  EXPECT_NE(r.out.find("open errors:    0"), std::string::npos);
}

TEST(StatusCommand, UsesPostgresThroughASecretReferenceWithoutShowingThePassword) {
  JUNCTION_REQUIRE_POSTGRES(url);
  TempDir dir;
  const auto config =
      dir.write("junction.json", R"({"store": "${env:JUNCTION_STORE_URL}", "connectors": {}})");
  ProcessOptions options;
  options.set_env["JUNCTION_STORE_URL"] = url;
  const auto r = junction({"status", "--config", config.string()}, options);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto password = url.substr(url.find(':', 14) + 1, url.find('@') - url.find(':', 14) - 1);
  EXPECT_EQ(r.out.find(password), std::string::npos);
  EXPECT_NE(r.out.find("store:          postgresql://junction:***@127.0.0.1"), std::string::npos)
      << r.out;
}

TEST(StatusCommand, FailsWithExit1WhenTheStoreIsUnreachable) {
  TempDir dir;
  const auto config = dir.write(
      "junction.json",
      R"({"store": "postgresql://nobody:pw@127.0.0.1:1/none?connect_timeout=2", "connectors": {}})");
  const auto r = junction({"status", "--config", config.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot open the state store postgresql://nobody:***@127.0.0.1:1/none"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find(":pw@"), std::string::npos);
}

}  // namespace
}  // namespace junction::testing
