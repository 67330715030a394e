#include "engine/sync/model_from_config.hpp"

#include <gtest/gtest.h>

namespace junction::engine::sync {
namespace {

config::SyncConfig members_crm_list(nlohmann::json owners) {
  config::SyncConfig sync;
  sync.name = "people";
  const auto system = [](const char *name, const char *status_field) {
    config::SyncSystemConfig s;
    s.name = name;
    s.connector = name;
    s.entity = "people";
    s.key = {"email"};
    s.fields = {{"email", "email", true, true}, {"mailing", status_field, true, true}};
    return s;
  };
  sync.systems = {system("members", "mailing"), system("crm", "mailing_status"),
                  system("list", "status")};
  sync.definition = {{"name", "people"}};
  if (!owners.is_null()) sync.definition["owners"] = owners;
  return sync;
}

std::size_t field(const SyncModel &m, const std::string &name) {
  return static_cast<std::size_t>(std::find(m.fields.begin(), m.fields.end(), name) -
                                  m.fields.begin());
}

TEST(ModelFromConfig, AConnectorsOwnFieldIsOwnedByItsSystemUnlessTheAdminSaysOtherwise) {
  // The list's connector declares it owns "status".
  const std::vector<std::vector<std::string>> owns{{}, {}, {"status"}};
  const auto by_default = model_from_config(members_crm_list(nullptr), owns);
  EXPECT_EQ(by_default.owner_of(field(by_default, "mailing")), 2);
  EXPECT_EQ(by_default.owner_of(field(by_default, "email")), -1);
  const auto named = model_from_config(members_crm_list({{"mailing", "members"}}), owns);
  EXPECT_EQ(named.owner_of(field(named, "mailing")), 0) << "the config wins";
  const auto without = model_from_config(members_crm_list(nullptr));
  EXPECT_EQ(without.owner_of(field(without, "mailing")), -1);
}

}  // namespace
}  // namespace junction::engine::sync
