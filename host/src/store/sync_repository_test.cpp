#include "store/sync_repository.hpp"

#include <soci/soci.h>

#include <gtest/gtest.h>

#include "store/state_store.hpp"
#include "store/store_location.hpp"
#include "temp_dir.hpp"

namespace junction::store {
namespace {

std::unique_ptr<StateStore> sqlite_store(const std::filesystem::path &file) {
  std::string why;
  return StateStore::open(*parse_store_location("sqlite:" + file.string(), "/", why));
}

// SQLite keeps a member index as a blob; one kept before as hex text still reads.
TEST(SyncRepository, KeepsAMemberIndexAsBytesAndReadsOneKeptAsHex) {
  testing::TempDir dir;
  auto store = sqlite_store(dir / "state.db");
  SyncRepository repo(store->session(), "people");
  EXPECT_FALSE(repo.load_member_index("crm").has_value());
  const std::string bytes("JN\0\x01\xff\x80 x", 8);
  repo.save_member_index("crm", bytes);
  EXPECT_EQ(repo.load_member_index("crm"), bytes);
  std::string type;
  store->session() << "SELECT typeof(entries) FROM sync_member_index", soci::into(type);
  EXPECT_EQ(type, "blob");
  store->session() << "UPDATE sync_member_index SET entries = '4a4e0001ff802078'";
  EXPECT_EQ(repo.load_member_index("crm"), bytes);
  store->session() << "UPDATE sync_member_index SET entries = 'not hex'";
  EXPECT_FALSE(repo.load_member_index("crm").has_value());
  repo.drop_member_indexes();
  EXPECT_FALSE(repo.load_member_index("crm").has_value());
}

}  // namespace
}  // namespace junction::store
