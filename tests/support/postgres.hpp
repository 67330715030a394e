// The throwaway PostgreSQL cluster the test script starts: its URL, or a skip (or, when
// the test script demands PostgreSQL, a failure) where there is none.
#pragma once

#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "run_process.hpp"

namespace junction::testing {

inline std::string postgres_url() {
  const char *url = std::getenv("JUNCTION_TEST_PG_URL");
  return url == nullptr ? std::string() : std::string(url);
}

inline bool postgres_required() {
  return std::getenv("JUNCTION_TEST_REQUIRE_PG") != nullptr;
}

inline ProcessResult psql(const std::string &url, const std::string &sql) {
  return run_process("/usr/bin/psql", {url, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql});
}

// A database of the test's own on the test cluster, so that no other test's locks or
// tables are seen; dropped afterwards.
class OwnDatabase {
 public:
  OwnDatabase(std::string server_url, const std::string &prefix)
      : server_url_(std::move(server_url)), name_(prefix + "_" + std::to_string(::getpid())) {
    psql(server_url_, "DROP DATABASE IF EXISTS " + name_);
    const auto r = psql(server_url_, "CREATE DATABASE " + name_);
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  ~OwnDatabase() { psql(server_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)"); }
  OwnDatabase(const OwnDatabase &) = delete;
  OwnDatabase &operator=(const OwnDatabase &) = delete;
  std::string url() const { return server_url_.substr(0, server_url_.rfind('/') + 1) + name_; }

 private:
  std::string server_url_;
  std::string name_;
};

// The running test's name as a database name prefix: lower-case letters, digits and '_',
// short enough for PostgreSQL's 63 characters once OwnDatabase adds the process id.
inline std::string test_database_prefix() {
  std::string name = "t";
  if (const auto *info = ::testing::UnitTest::GetInstance()->current_test_info()) {
    for (const char c : std::string("_") + info->test_suite_name() + "_" + info->name()) {
      const auto u = static_cast<unsigned char>(c);
      name += std::isalnum(u) != 0 ? static_cast<char>(std::tolower(u)) : '_';
    }
  }
  if (name.size() > 48) name.resize(48);
  return name;
}

}  // namespace junction::testing

// The cluster's URL, for a test that makes its own databases; or a skip (a failure when
// the test script demands PostgreSQL).
#define JUNCTION_REQUIRE_POSTGRES_SERVER(url_var)                                         \
  const std::string url_var = ::junction::testing::postgres_url();                        \
  if (url_var.empty()) {                                                                  \
    if (::junction::testing::postgres_required()) FAIL() << "JUNCTION_TEST_PG_URL unset"; \
    GTEST_SKIP() << "no PostgreSQL test cluster (JUNCTION_TEST_PG_URL unset)";            \
  }

// A database of the test's own, named after it, dropped when the test ends: tests running
// side by side never meet each other's tables, triggers or locks. `url_var` is its URL.
#define JUNCTION_REQUIRE_POSTGRES(url_var)                            \
  JUNCTION_REQUIRE_POSTGRES_SERVER(url_var##_server);                 \
  const ::junction::testing::OwnDatabase url_var##_own_database(      \
      url_var##_server, ::junction::testing::test_database_prefix()); \
  const std::string url_var = url_var##_own_database.url()
