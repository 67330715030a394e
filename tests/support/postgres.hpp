// The throwaway PostgreSQL cluster the test script starts: its URL, or a skip (or, when
// the test script demands PostgreSQL, a failure) where there is none.
#pragma once

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

namespace junction::testing {

inline std::string postgres_url() {
  const char *url = std::getenv("JUNCTION_TEST_PG_URL");
  return url == nullptr ? std::string() : std::string(url);
}

inline bool postgres_required() {
  return std::getenv("JUNCTION_TEST_REQUIRE_PG") != nullptr;
}

}  // namespace junction::testing

#define JUNCTION_REQUIRE_POSTGRES(url_var)                                                \
  const std::string url_var = ::junction::testing::postgres_url();                        \
  if (url_var.empty()) {                                                                  \
    if (::junction::testing::postgres_required()) FAIL() << "JUNCTION_TEST_PG_URL unset"; \
    GTEST_SKIP() << "no PostgreSQL test cluster (JUNCTION_TEST_PG_URL unset)";            \
  }
