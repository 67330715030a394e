#include "store/store_location.hpp"

#include <gtest/gtest.h>

#include "log/secret_redaction.hpp"

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

TEST(StoreLocation, APasswordWithAnUnencodedAtIsRefusedAndNeverShown) {
  std::string why;
  EXPECT_FALSE(parse_store_location("postgresql://sync:Hunter@2Zq9@db/junction", "/", why));
  EXPECT_EQ(why.find("2Zq9"), std::string::npos) << why;
  EXPECT_NE(why.find("percent-encode '@'"), std::string::npos) << why;
  EXPECT_EQ(mask_password("postgresql://sync:Hunter@2Zq9@db/junction"),
            "postgresql://sync:***@db/junction");
}

TEST(StoreLocation, AURLPasswordIsRedactedFromEveryMessage) {
  std::string why;
  ASSERT_TRUE(parse_store_location("postgresql://sync:Zq9%40Xw77@db/junction", "/", why)) << why;
  EXPECT_EQ(log::redact("FATAL: password Zq9@Xw77 refused"), "FATAL: password *** refused");
  log::forget_secrets();
}

TEST(StoreLocation, RefusesUnknownSchemesWithoutShowingPasswords) {
  std::string why;
  EXPECT_FALSE(parse_store_location("mysql://root:pw@db/x", "/", why));
  EXPECT_EQ(why,
            "unknown store 'mysql://root:***@db/x': expected sqlite:PATH or "
            "postgresql://user@host/database");
  EXPECT_FALSE(parse_store_location("sqlite:", "/", why));
  EXPECT_EQ(why, "sqlite: needs a file path, as in sqlite:var/state.db");
}

}  // namespace
}  // namespace junction::store
