#include "store/store_location.hpp"

#include <gtest/gtest.h>

namespace junction::store {
namespace {

TEST(StoreLocation, AnchorsRelativeSqlitePathsAtTheConfigDirectory) {
  std::string why;
  auto location = parse_store_location("sqlite:var/state.db", "/etc/junction", why);
  ASSERT_TRUE(location) << why;
  EXPECT_EQ(location->backend, Backend::sqlite);
  EXPECT_EQ(location->sqlite_file, "/etc/junction/var/state.db");
  EXPECT_EQ(location->display, "sqlite:/etc/junction/var/state.db");
  location = parse_store_location("sqlite:/srv/state.db", "/etc/junction", why);
  ASSERT_TRUE(location);
  EXPECT_EQ(location->sqlite_file, "/srv/state.db");
}

TEST(StoreLocation, NeverDisplaysAPostgresPassword) {
  std::string why;
  auto location =
      parse_store_location("postgresql://sync:p%40ss@db.internal:5432/junction", "/", why);
  ASSERT_TRUE(location) << why;
  EXPECT_EQ(location->backend, Backend::postgresql);
  EXPECT_EQ(location->display, "postgresql://sync:***@db.internal:5432/junction");
  EXPECT_EQ(mask_password("postgres://db/j?sslmode=require&password=topsecret&x=1"),
            "postgres://db/j?sslmode=require&password=***&x=1");
  EXPECT_EQ(mask_password("postgresql://sync@db/j"), "postgresql://sync@db/j");
}

TEST(StoreLocation, RefusesUnknownSchemesWithoutShowingPasswords) {
  std::string why;
  EXPECT_FALSE(parse_store_location("mysql://root:pw@db/x", "/", why));
  EXPECT_EQ(why,
            "unknown store 'mysql://root:pw@db/x': expected sqlite:PATH or "
            "postgresql://user@host/database");
  EXPECT_FALSE(parse_store_location("sqlite:", "/", why));
  EXPECT_EQ(why, "sqlite: needs a file path, as in sqlite:var/state.db");
}

}  // namespace
}  // namespace junction::store
