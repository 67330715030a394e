// The parallel export/import cycle of a membership database and a CRM, run as a sync: each
// cycle reads both systems whole, merges, then writes both. An edit made in either system
// after the cycle read it and before the cycle writes it is never overwritten: the write
// is declined there (the database compares in its write transaction, the CRM connector
// reads the contact just before its update), reported as deferred, and the next cycle
// merges the edit like any other.
#include <chrono>
#include <future>
#include <thread>
#include <tuple>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"
#include "crm_emulator.hpp"

namespace junction::testing {
namespace {

using json = nlohmann::json;

const char *const cycle_token = "pat-na1-0c1d2e3f-cycle-token-9a8b";

class ExportImportCycle : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(members_sql(
        "CREATE TABLE members (email TEXT PRIMARY KEY, full_name TEXT, town TEXT);"
        "INSERT INTO members VALUES ('ann@x.org', 'Ann', 'Leeds'), ('bob@x.org', 'Bob', 'Ely');"));
    for (const auto &[email, name, city] :
         {std::tuple{"ann@x.org", "Ann", "Leeds"}, std::tuple{"bob@x.org", "Bob", "Ely"}}) {
      const auto [status, body] =
          crm.call("POST", "/crm/v3/objects/contacts",
                   {{"properties", {{"email", email}, {"firstname", name}, {"city", city}}}});
      ASSERT_EQ(status, 201) << body.dump();
      if (std::string(email) == "ann@x.org") ann = body["id"].get<std::string>();
    }
    config = dir.write("junction.json", document().dump(2));
    const auto first = sync();
    ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
    ASSERT_NE(first.out.find("people"), std::string::npos) << first.out;
  }

  // Both systems read whole each cycle (an export of each), the database first.
  json document() const {
    return {{"store", "sqlite:state.db"},
            {"connectors",
             {{"crm",
               {{"plugin", "crm"},
                {"config",
                 {{"base_url", crm.base_url()},
                  {"token", "${env:CRM_TOKEN}"},
                  {"entities", {{"contacts", json::object()}}}}}}},
              {"db",
               {{"plugin", "sql"},
                {"config",
                 {{"url", "sqlite:members.db"}, {"entities", {{"members", json::object()}}}}}}}}},
            {"syncs",
             {{{"name", "people"},
               {"match", {{{{"field", "email"}, {"normalize", {"email"}}}}}},
               {"systems",
                {{{"name", "members"},
                  {"connector", "db"},
                  {"entity", "members"},
                  {"key", {"email"}},
                  {"fields", {{"email", "email"}, {"name", "full_name"}, {"city", "town"}}}},
                 {{"name", "crm"},
                  {"connector", "crm"},
                  {"entity", "contacts"},
                  {"key", {"id"}},
                  {"assigns_key", true},
                  {"fields", {{"email", "email"}, {"name", "firstname"}, {"city", "city"}}}}}}}}}};
  }

  ProcessResult sync() {
    ProcessOptions options;
    options.set_env.emplace("CRM_TOKEN", cycle_token);
    return junction({"sync", "--progress", "never", "--config", config.string(), "--plugin-path",
                     built_plugin_dir().string()},
                    options);
  }

  // Starts a cycle, waits until the emulator holds back the request a delay fault was set
  // on, runs `edit` meanwhile, and returns the cycle's result.
  template <typename Edit>
  ProcessResult cycle_with_edit_in_the_window(Edit edit) {
    auto cycle = std::async(std::launch::async, [this] { return sync(); });
    for (int i = 0; i < 1000 && crm.stats().value("delayed", 0) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(crm.stats().value("delayed", 0), 1) << "the cycle never reached the window";
    edit();
    return cycle.get();
  }

  bool members_sql(const std::string &sql) {
    const auto r = run_process("/usr/bin/sqlite3",
                               {"-cmd", ".timeout 10000", (dir / "members.db").string(), sql});
    EXPECT_EQ(r.exit_code, 0) << sql << ": " << r.err;
    return r.exit_code == 0;
  }
  std::string member(const std::string &email) {
    return run_process("/usr/bin/sqlite3",
                       {"-cmd", ".timeout 10000", (dir / "members.db").string(),
                        "SELECT full_name, town FROM members WHERE email = '" + email + "'"})
        .out;
  }
  json contact(const std::string &id) {
    return crm.call("GET", "/crm/v3/objects/contacts/" + id + "?properties=firstname,city")
        .second["properties"];
  }

  TempDir dir;
  CrmEmulator crm{dir.path(), cycle_token};
  std::filesystem::path config;
  std::string ann;
};

TEST_F(ExportImportCycle, AnEditMadeInTheCrmWhileTheCycleRunsIsNotOverwritten) {
  // The database changes Ann's town before the cycle; the CRM changes it again after the
  // cycle read the CRM, while the cycle is about to write the database's value there.
  ASSERT_TRUE(members_sql("UPDATE members SET town = 'Hull' WHERE email = 'ann@x.org'"));
  crm.fault({{"status", 0}, {"count", 1}, {"path_part", "/batch/read"}, {"delay_ms", 1500}});
  const auto during = cycle_with_edit_in_the_window([&] {
    EXPECT_EQ(
        crm.call("PATCH", "/crm/v3/objects/contacts/" + ann, {{"properties", {{"city", "York"}}}})
            .first,
        200);
  });
  ASSERT_EQ(during.exit_code, 0) << during.out << during.err;
  EXPECT_EQ(contact(ann)["city"], "York") << "the CRM's edit was overwritten";
  EXPECT_NE(during.err.find("changed in the CRM since it was read"), std::string::npos)
      << during.err;
  EXPECT_NE(during.out.find("DEFERRED"), std::string::npos) << during.out;

  // The next cycle sees two edits of one field and settles them by the policy (newest:
  // the CRM's, made later); both systems agree, and a third cycle writes nothing.
  const auto next = sync();
  ASSERT_EQ(next.exit_code, 0) << next.out << next.err;
  EXPECT_EQ(member("ann@x.org"), "Ann|York\n");
  EXPECT_EQ(contact(ann)["city"], "York");
  crm.reset_stats();
  const auto quiet = sync();
  ASSERT_EQ(quiet.exit_code, 0) << quiet.out << quiet.err;
  EXPECT_EQ(crm.stats()["by_kind"].value("update", 0), 0) << crm.stats().dump();
}

TEST_F(ExportImportCycle, AnEditMadeInTheDatabaseWhileTheCycleRunsIsNotOverwritten) {
  // The CRM renames Ann before the cycle; the database renames her after the cycle read
  // the database (the CRM's export is held back meanwhile).
  ASSERT_EQ(crm.call("PATCH", "/crm/v3/objects/contacts/" + ann,
                     {{"properties", {{"firstname", "Annie"}}}})
                .first,
            200);
  crm.fault({{"status", 0}, {"count", 1}, {"path_part", "/objects/contacts"}, {"delay_ms", 1500}});
  const auto during = cycle_with_edit_in_the_window([&] {
    EXPECT_TRUE(
        members_sql("UPDATE members SET full_name = 'Ann Brown' WHERE email = 'ann@x.org'"));
  });
  ASSERT_EQ(during.exit_code, 0) << during.out << during.err;
  EXPECT_EQ(member("ann@x.org"), "Ann Brown|Leeds\n") << "the database's edit was overwritten";
  EXPECT_NE(during.err.find("'full_name' changed in members since it was read"), std::string::npos)
      << during.err;

  // The database's edit is the only change the next cycle sees: it reaches the CRM.
  const auto next = sync();
  ASSERT_EQ(next.exit_code, 0) << next.out << next.err;
  EXPECT_EQ(member("ann@x.org"), "Ann Brown|Leeds\n");
  EXPECT_EQ(contact(ann)["firstname"], "Ann Brown");
  EXPECT_EQ(member("bob@x.org"), "Bob|Ely\n");
}

}  // namespace
}  // namespace junction::testing
