// The throwaway PostgreSQL cluster the test script starts: its URL, or a skip (or, when
// the test script demands PostgreSQL, a failure) where there is none.
#pragma once

#include <unistd.h>

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

}  // namespace junction::testing

#define JUNCTION_REQUIRE_POSTGRES(url_var)                                                \
  const std::string url_var = ::junction::testing::postgres_url();                        \
  if (url_var.empty()) {                                                                  \
    if (::junction::testing::postgres_required()) FAIL() << "JUNCTION_TEST_PG_URL unset"; \
    GTEST_SKIP() << "no PostgreSQL test cluster (JUNCTION_TEST_PG_URL unset)";            \
  }
