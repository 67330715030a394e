// A sync between two SQLite databases, driven through the real binary and the sql plugin:
// a first sync links the records both hold and creates the others, edits on both sides
// to different fields both survive, a delete reaches the other side, a cycle without
// edits writes nothing, and `plan` says exactly what the following `sync` does.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"

namespace junction::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

class TwoWaySync : public ::testing::Test {
 protected:
  void SetUp() override {
    sql("crm.db",
        "CREATE TABLE contacts (email TEXT PRIMARY KEY, name TEXT, phone TEXT, city TEXT, "
        "updated_at TEXT);"
        "INSERT INTO contacts VALUES ('Ann@X.org', 'Ann', '1', 'Leeds', '2026-01-01T00:00:00Z'),"
        "('bob@x.org', 'Bob', '2', 'Hull', '2026-01-01T00:00:00Z');");
    sql("members.db",
        "CREATE TABLE members (email TEXT PRIMARY KEY, full_name TEXT, phone TEXT, town TEXT);"
        "INSERT INTO members VALUES ('ann@x.org', 'Ann', '1', 'Leeds'), "
        "('carl@x.org', 'Carl', '3', 'Bath');");
    config = dir.write("junction.json", document().dump(2));
  }

  json document() {
    return {
        {"store", "sqlite:state.db"},
        {"connectors",
         {{"crm",
           {{"plugin", "sql"},
            {"config", {{"url", "sqlite:crm.db"}, {"entities", {{"contacts", json::object()}}}}}}},
          {"db",
           {{"plugin", "sql"},
            {"config",
             {{"url", "sqlite:members.db"}, {"entities", {{"members", json::object()}}}}}}}}},
        {"syncs",
         {{{"name", "people"},
           {"match", {{{{"field", "email"}, {"normalize", {"email"}}}}}},
           {"systems",
            {{{"name", "crm"},
              {"connector", "crm"},
              {"entity", "contacts"},
              {"key", {"email"}},
              {"changed_at", "updated_at"},
              {"fields",
               {{"email", "email"}, {"name", "name"}, {"phone", "phone"}, {"city", "city"}}}},
             {{"name", "members"},
              {"connector", "db"},
              {"entity", "members"},
              {"key", {"email"}},
              {"fields",
               {{"email", "email"},
                {"name", "full_name"},
                {"phone", "phone"},
                {"city", "town"}}}}}}}}}};
  }

  void sql(const std::string &db, const std::string &statements) {
    const auto r = run_process("/usr/bin/sqlite3", {(dir / db).string(), statements});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::string rows(const std::string &db, const std::string &query) {
    return run_process("/usr/bin/sqlite3", {(dir / db).string(), query}).out;
  }
  // A command on the test's config; sync and plan also get the built plugins.
  ProcessResult run(const std::vector<std::string> &args) {
    std::vector<std::string> all = args;
    all.push_back("--config");
    all.push_back(config.string());
    if (args.front() == "sync" || args.front() == "plan" || args.front() == "check") {
      all.push_back("--plugin-path");
      all.push_back(built_plugin_dir().string());
    }
    return junction(all);
  }
  // The numbers of the sync's summary line: read, linked, created, updated, deleted,
  // failed, reviews.
  std::vector<long long> counts(const std::string &out) {
    for (const auto &line : lines_of(out)) {
      if (line.rfind("people ", 0) != 0) continue;
      std::istringstream in(line.substr(7));
      std::vector<long long> n(7);
      for (auto &v : n) in >> v;
      return n;
    }
    return {};
  }

  TempDir dir;
  fs::path config;
};

TEST_F(TwoWaySync, AFirstSyncLinksSharedRecordsCreatesTheRestAndThenSettles) {
  const auto planned = run({"plan"});
  ASSERT_EQ(planned.exit_code, 0) << planned.err;
  EXPECT_EQ(planned.out,
            "sync people: 4 records read\n"
            "  link members:ann@x.org to a new record (match rule 1)\n"
            "  create in members (a new record): city = 'Hull'; email = 'bob@x.org'; name = "
            "'Bob'; phone = '2'\n"
            "  create in crm (a new record): city = 'Bath'; email = 'carl@x.org'; name = "
            "'Carl'; phone = '3'\n"
            "  1 to link, 2 to create, 0 to update, 0 to delete, 0 for review\n");
  EXPECT_EQ(rows("members.db", "SELECT COUNT(*) FROM members"), "2\n") << "plan wrote nothing";

  const auto first = run({"sync", "--progress", "never"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(counts(first.out), (std::vector<long long>{4, 1, 2, 0, 0, 0, 0})) << first.out;
  EXPECT_EQ(rows("crm.db", "SELECT email, name FROM contacts ORDER BY email"),
            "Ann@X.org|Ann\nbob@x.org|Bob\ncarl@x.org|Carl\n");
  EXPECT_EQ(rows("members.db", "SELECT email, full_name, town FROM members ORDER BY email"),
            "ann@x.org|Ann|Leeds\nbob@x.org|Bob|Hull\ncarl@x.org|Carl|Bath\n");

  const auto again = run({"sync", "--progress", "never"});
  EXPECT_EQ(counts(again.out), (std::vector<long long>{6, 0, 0, 0, 0, 0, 0})) << again.out;
}

TEST_F(TwoWaySync, EditsToDifferentFieldsOnBothSidesBothSurviveAndDeletesReachTheOtherSide) {
  ASSERT_EQ(run({"sync", "--progress", "never"}).exit_code, 0);
  sql("crm.db",
      "UPDATE contacts SET city = 'York', updated_at = '2026-02-01T00:00:00Z' WHERE email = "
      "'Ann@X.org'");
  sql("members.db",
      "UPDATE members SET phone = '9' WHERE email = 'ann@x.org'; DELETE FROM members WHERE "
      "email = 'carl@x.org'");
  const auto r = run({"sync", "--progress", "never"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(counts(r.out), (std::vector<long long>{5, 0, 0, 2, 1, 0, 0})) << r.out;
  EXPECT_EQ(rows("crm.db", "SELECT email, phone, city FROM contacts ORDER BY email"),
            "Ann@X.org|9|York\nbob@x.org|2|Hull\n");
  EXPECT_EQ(rows("members.db", "SELECT email, phone, town FROM members ORDER BY email"),
            "ann@x.org|9|York\nbob@x.org|2|Hull\n");
  const auto quiet = run({"sync", "--progress", "never"});
  EXPECT_EQ(counts(quiet.out), (std::vector<long long>{4, 0, 0, 0, 0, 0, 0})) << quiet.out;
  EXPECT_EQ(run({"audit", "verify"}).out, "audit log intact: 5 entries in 1 chain\n");
}

// A write the system refuses is tried again by the next cycle although nothing changed
// anywhere; a cycle without edits then skips every record without planning a link.
TEST_F(TwoWaySync, ARefusedWriteIsTriedAgainByTheNextCycleAndAQuietCyclePlansNothing) {
  ASSERT_EQ(run({"sync", "--progress", "never"}).exit_code, 0);
  sql("members.db",
      "CREATE TRIGGER town_locked BEFORE UPDATE OF town ON members WHEN NEW.town = 'York' "
      "BEGIN SELECT RAISE(ABORT, 'town locked'); END");
  sql("crm.db",
      "UPDATE contacts SET city = 'York', updated_at = '2026-02-01T00:00:00Z' WHERE email = "
      "'Ann@X.org'");
  const auto refused = run({"sync", "--progress", "never"});
  EXPECT_EQ(counts(refused.out)[5], 1) << refused.out << refused.err;
  EXPECT_EQ(rows("members.db", "SELECT town FROM members WHERE email = 'ann@x.org'"), "Leeds\n");

  sql("members.db", "DROP TRIGGER town_locked");
  const auto retried = run({"sync", "--progress", "never"});
  ASSERT_EQ(retried.exit_code, 0) << retried.out << retried.err;
  EXPECT_EQ(counts(retried.out)[3], 1) << retried.out;
  EXPECT_EQ(rows("members.db", "SELECT town FROM members WHERE email = 'ann@x.org'"), "York\n");

  const auto quiet = run({"sync", "--progress", "never"});
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(counts(quiet.out), (std::vector<long long>{6, 0, 0, 0, 0, 0, 0})) << quiet.out;
  EXPECT_NE(quiet.err.find("6 records read, 6 unchanged since the last cycle; 0 links planned"),
            std::string::npos)
      << quiet.err;
}

// The same field changed on both sides: the newer change wins (the CRM's change time is
// its updated_at; the members database gives none, so any dated change is newer).
TEST_F(TwoWaySync, TheNewerOfTwoChangesToOneFieldWinsAndTheAuditSaysWhy) {
  ASSERT_EQ(run({"sync", "--progress", "never"}).exit_code, 0);
  sql("crm.db",
      "UPDATE contacts SET city = 'York', updated_at = '2026-03-01T00:00:00Z' WHERE email = "
      "'bob@x.org'");
  sql("members.db", "UPDATE members SET town = 'Bath' WHERE email = 'bob@x.org'");
  ASSERT_EQ(run({"sync", "--progress", "never"}).exit_code, 0);
  EXPECT_EQ(rows("members.db", "SELECT town FROM members WHERE email = 'bob@x.org'"), "York\n");
  const auto audit = run({"audit", "list", "--json"});
  const auto entries = lines_of(audit.out);
  ASSERT_FALSE(entries.empty());
  const auto last = json::parse(entries.back());
  EXPECT_EQ(last["operation"], "update");
  EXPECT_EQ(last["changed_fields"], "city");
  EXPECT_EQ(last["detail"], "city: newest crm");
}

// What plan prints as JSON is what the next sync then does, write by write.
TEST_F(TwoWaySync, PlanSaysExactlyWhatTheFollowingSyncDoes) {
  ASSERT_EQ(run({"sync", "--progress", "never"}).exit_code, 0);
  sql("crm.db",
      "UPDATE contacts SET phone = '7', updated_at = '2026-02-01T00:00:00Z' WHERE email = "
      "'bob@x.org'; INSERT INTO contacts VALUES ('dee@x.org', 'Dee', '5', 'Ely', NULL)");
  sql("members.db", "DELETE FROM members WHERE email = 'carl@x.org'");
  const auto plan = run({"plan", "--json"});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  std::vector<std::string> planned;
  for (const auto &line : lines_of(plan.out)) {
    const auto p = json::parse(line);
    if (p["action"] == "link" || p["action"] == "review") continue;
    std::string fields;
    for (const auto &[name, value] : p["fields"].items())
      fields += (fields.empty() ? "" : ",") + name;
    planned.push_back(p["action"].get<std::string>() + " " + p["system"].get<std::string>() + " " +
                      fields);
  }
  ASSERT_EQ(planned.size(), 3U) << plan.out;
  const auto before = lines_of(run({"audit", "list", "--json"}).out).size();
  ASSERT_EQ(run({"sync", "--progress", "never"}).exit_code, 0);
  std::vector<std::string> done;
  const auto all = lines_of(run({"audit", "list", "--json"}).out);
  for (std::size_t i = before; i < all.size(); ++i) {
    const auto e = json::parse(all[i]);
    const std::string system = e["target"] == "crm" ? "crm" : "members";
    done.push_back(e["operation"].get<std::string>() + " " + system + " " +
                   e["changed_fields"].get<std::string>());
  }
  EXPECT_EQ(done, planned);
}

TEST_F(TwoWaySync, ASyncNamingAFieldItsSystemLacksIsRefusedAndWritesNothing) {
  json doc = document();
  doc["syncs"][0]["systems"][1]["fields"]["city"] = "twn";
  doc["syncs"][0]["systems"][0]["key"] = {"mail"};
  dir.write("junction.json", doc.dump());
  // check finds both without running anything; sync refuses the same way.
  for (const char *command : {"check", "sync"}) {
    const auto r = run({command});
    EXPECT_EQ(r.exit_code, 2) << command << r.out << r.err;
    EXPECT_NE(r.err.find("/syncs/0/systems/1/fields/city: db/members has no field 'twn' (did "
                         "you mean 'town'?); its fields are: email, full_name, phone, town"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("/syncs/0/systems/0/key/0: crm/contacts has no key field 'mail'"),
              std::string::npos)
        << r.err;
  }
  EXPECT_EQ(rows("members.db", "SELECT COUNT(*) FROM members"), "2\n");
}

}  // namespace
}  // namespace junction::testing

namespace junction::testing {
namespace {

// Under "conflicts": "review", a field changed on both sides waits in the review queue;
// a person takes one side's value and the next sync writes it everywhere, audited.
TEST_F(TwoWaySync, AConflictWaitsForAPersonWhoseChoiceTheNextSyncWrites) {
  json doc = document();
  doc["syncs"][0]["conflicts"] = "review";
  dir.write("junction.json", doc.dump());
  ASSERT_EQ(run({"sync", "--progress", "never"}).exit_code, 0);
  sql("crm.db", "UPDATE contacts SET city = 'York' WHERE email = 'bob@x.org'");
  sql("members.db", "UPDATE members SET town = 'Bath' WHERE email = 'bob@x.org'");
  const auto held = run({"sync", "--progress", "never"});
  EXPECT_EQ(counts(held.out), (std::vector<long long>{6, 0, 0, 0, 0, 0, 1})) << held.out;
  EXPECT_EQ(rows("crm.db", "SELECT city FROM contacts WHERE email = 'bob@x.org'"), "York\n");
  EXPECT_EQ(rows("members.db", "SELECT town FROM members WHERE email = 'bob@x.org'"), "Bath\n");
  // The first sync already raised one: Ann's address is spelled differently on each side.
  const auto listed = run({"review", "list", "--json"});
  const auto items = lines_of(listed.out);
  ASSERT_EQ(items.size(), 2U) << listed.out << listed.err;
  EXPECT_EQ(json::parse(items[0])["field"], "email");
  const auto item = json::parse(items[1]);
  EXPECT_EQ(item["kind"], "conflict");
  EXPECT_EQ(item["field"], "city");
  EXPECT_EQ(item["detail"]["values"], (json{{"crm", "York"}, {"members", "Bath"}}));
  const std::string id = std::to_string(item["id"].get<long long>());
  EXPECT_EQ(counts(run({"sync", "--progress", "never"}).out)[6], 0) << "not raised twice";

  const auto resolved = run({"review", "resolve", id, "--take", "members", "--actor", "alice"});
  ASSERT_EQ(resolved.exit_code, 0) << resolved.err;
  EXPECT_EQ(resolved.out,
            "review " + id + ": took members's city 'Bath'; the next junction sync writes it\n");
  const auto again = run({"review", "resolve", id, "--take", "crm"});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already resolved (by alice)"), std::string::npos) << again.err;
  ASSERT_EQ(run({"sync", "--progress", "never"}).exit_code, 0);
  EXPECT_EQ(rows("crm.db", "SELECT city FROM contacts WHERE email = 'bob@x.org'"), "Bath\n");
  EXPECT_EQ(rows("members.db", "SELECT town FROM members WHERE email = 'bob@x.org'"), "Bath\n");
  const auto audit = lines_of(run({"audit", "list", "--json"}).out);
  bool by_alice = false;
  for (const auto &line : audit) {
    const auto e = json::parse(line);
    by_alice |= e["actor"] == "alice" && e["action"] == "review.resolve";
  }
  EXPECT_TRUE(by_alice);
  EXPECT_EQ(run({"audit", "verify"}).exit_code, 0);
}

// Deletes under review: nothing is deleted until a person says so; approving a delete
// deletes the record in the other systems, rejecting it puts the record back.
TEST_F(TwoWaySync, ADeleteInReviewIsCarriedOutOrUndoneAsAPersonSettlesIt) {
  json doc = document();
  doc["syncs"][0]["deletes"] = "review";
  dir.write("junction.json", doc.dump());
  ASSERT_EQ(run({"sync", "--progress", "never"}).exit_code, 0);
  sql("members.db", "DELETE FROM members WHERE email = 'carl@x.org'");
  sql("crm.db", "DELETE FROM contacts WHERE email = 'bob@x.org'");
  const auto held = run({"sync", "--progress", "never"});
  ASSERT_EQ(held.exit_code, 0) << held.err;
  EXPECT_EQ(counts(held.out)[6], 2) << held.out;
  EXPECT_EQ(rows("crm.db", "SELECT count(*) FROM contacts WHERE email = 'carl@x.org'"), "1\n");
  EXPECT_EQ(rows("members.db", "SELECT count(*) FROM members WHERE email = 'bob@x.org'"), "1\n");

  std::string carl, bob;
  for (const auto &line : lines_of(run({"review", "list", "--json"}).out)) {
    const auto item = json::parse(line);
    ASSERT_EQ(item["kind"], "delete_conflict") << line;
    (item["system"] == "members" ? carl : bob) = std::to_string(item["id"].get<long long>());
  }
  ASSERT_FALSE(carl.empty());
  ASSERT_FALSE(bob.empty());
  const auto approved = run({"review", "approve", carl, "--actor", "alice"});
  ASSERT_EQ(approved.exit_code, 0) << approved.err;
  const auto rejected = run({"review", "reject", bob, "--actor", "alice"});
  ASSERT_EQ(rejected.exit_code, 0) << rejected.err;
  EXPECT_NE(rejected.out.find("puts it back in crm"), std::string::npos) << rejected.out;

  const auto settled = run({"sync", "--progress", "never"});
  ASSERT_EQ(settled.exit_code, 0) << settled.err;
  EXPECT_EQ(rows("crm.db", "SELECT count(*) FROM contacts WHERE email = 'carl@x.org'"), "0\n");
  EXPECT_EQ(rows("crm.db", "SELECT name, city FROM contacts WHERE email = 'bob@x.org'"),
            "Bob|Hull\n");
  EXPECT_EQ(rows("members.db", "SELECT count(*) FROM members WHERE email = 'bob@x.org'"), "1\n");
  const auto quiet = run({"sync", "--progress", "never"});
  EXPECT_EQ(counts(quiet.out), (std::vector<long long>{4, 0, 0, 0, 0, 0, 0})) << quiet.out;
  EXPECT_EQ(run({"audit", "verify"}).exit_code, 0);
}

// Address changes from the members database wait for approval; a rejected one is put
// back in the members database by the next sync.
TEST_F(TwoWaySync, HeldChangesWaitForApprovalAndARejectedOneIsPutBack) {
  json doc = document();
  doc["syncs"][0]["hold"] = {{{"from", "members"}, {"fields", {"city"}}}};
  dir.write("junction.json", doc.dump());
  ASSERT_EQ(run({"sync", "--progress", "never"}).exit_code, 0);
  sql("members.db", "UPDATE members SET town = 'Wells' WHERE email = 'bob@x.org'");
  ASSERT_EQ(run({"sync", "--progress", "never"}).exit_code, 0);
  EXPECT_EQ(rows("crm.db", "SELECT city FROM contacts WHERE email = 'bob@x.org'"), "Hull\n");
  // Carl, new in the members database, waits too: his town came from there.
  const auto bobs = [&] {
    for (const auto &line : lines_of(run({"review", "list", "--json"}).out)) {
      const auto item = json::parse(line);
      if (item["key"] == "bob@x.org") return item;
    }
    return json();
  };
  auto item = bobs();
  EXPECT_EQ(item["kind"], "held_change");
  EXPECT_EQ(item["system"], "members");
  ASSERT_EQ(run({"review", "approve", std::to_string(item["id"].get<long long>())}).exit_code, 0);
  ASSERT_EQ(run({"sync", "--progress", "never"}).exit_code, 0);
  EXPECT_EQ(rows("crm.db", "SELECT city FROM contacts WHERE email = 'bob@x.org'"), "Wells\n");

  sql("members.db", "UPDATE members SET town = 'Ripon' WHERE email = 'bob@x.org'");
  ASSERT_EQ(run({"sync", "--progress", "never"}).exit_code, 0);
  item = bobs();
  ASSERT_EQ(run({"review", "reject", std::to_string(item["id"].get<long long>()), "--reason",
                 "not verified"})
                .exit_code,
            0);
  ASSERT_EQ(run({"sync", "--progress", "never"}).exit_code, 0);
  EXPECT_EQ(rows("members.db", "SELECT town FROM members WHERE email = 'bob@x.org'"), "Wells\n");
  EXPECT_EQ(rows("crm.db", "SELECT city FROM contacts WHERE email = 'bob@x.org'"), "Wells\n");
  EXPECT_TRUE(bobs().is_null()) << "nothing about Bob waits any more";
}

}  // namespace
}  // namespace junction::testing

namespace junction::testing {
namespace {

// A system read for its changes ("read": "changes", here the sql connector's cursor on
// updated_at) is read whole once, then only where it changed; its cursor moves with each
// cycle that committed.
TEST_F(TwoWaySync, ASystemReadForItsChangesIsReadOnlyWhereItChanged) {
  sql("crm.db",
      "CREATE TABLE stamped (email TEXT PRIMARY KEY, name TEXT, phone TEXT, city TEXT, "
      "updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));"
      "INSERT INTO stamped SELECT * FROM contacts; DROP TABLE contacts;"
      "ALTER TABLE stamped RENAME TO contacts;");
  json doc = document();
  doc["connectors"]["crm"]["config"]["entities"]["contacts"] = {{"cursor", {"updated_at"}}};
  doc["syncs"][0]["systems"][0]["read"] = "changes";
  dir.write("junction.json", doc.dump());
  const auto first = run({"sync", "--progress", "never"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(counts(first.out), (std::vector<long long>{4, 1, 2, 0, 0, 0, 0})) << first.out;
  // Carl, created in the CRM by that cycle, is newer than the cursor: read once, no echo.
  EXPECT_EQ(counts(run({"sync", "--progress", "never"}).out),
            (std::vector<long long>{4, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(counts(run({"sync", "--progress", "never"}).out),
            (std::vector<long long>{3, 0, 0, 0, 0, 0, 0}))
      << "only the members database, read whole";
  sql("crm.db",
      "UPDATE contacts SET city = 'York', updated_at = '2999-01-01T00:00:00Z' WHERE email = "
      "'bob@x.org'");
  const auto changed = run({"sync", "--progress", "never"});
  EXPECT_EQ(counts(changed.out), (std::vector<long long>{4, 0, 0, 1, 0, 0, 0})) << changed.out;
  EXPECT_EQ(rows("members.db", "SELECT town FROM members WHERE email = 'bob@x.org'"), "York\n");
}

}  // namespace
}  // namespace junction::testing

namespace junction::testing {
namespace {

// A hub of three systems over one identity: a change in any one reaches both others,
// once, and the next cycle writes nothing.
TEST_F(TwoWaySync, AChangeInAnyOfThreeSystemsReachesTheOthersOnce) {
  sql("mail.db",
      "CREATE TABLE subscribers (address TEXT PRIMARY KEY, display TEXT, town TEXT);"
      "INSERT INTO subscribers VALUES ('bob@x.org', 'Bob', 'Hull');");
  json doc = document();
  doc["connectors"]["mail"] = {
      {"plugin", "sql"},
      {"config", {{"url", "sqlite:mail.db"}, {"entities", {{"subscribers", json::object()}}}}}};
  doc["syncs"][0]["systems"].push_back(
      {{"name", "mail"},
       {"connector", "mail"},
       {"entity", "subscribers"},
       {"key", {"address"}},
       {"fields", {{"email", "address"}, {"name", "display"}, {"city", "town"}}}});
  dir.write("junction.json", doc.dump());
  const auto first = run({"sync", "--progress", "never"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  // Ann and Carl reach the mail platform (Bob was there); Bob and Carl the others.
  EXPECT_EQ(rows("mail.db", "SELECT address, town FROM subscribers ORDER BY address"),
            "Ann@X.org|Leeds\nbob@x.org|Hull\ncarl@x.org|Bath\n");
  EXPECT_EQ(counts(run({"sync", "--progress", "never"}).out)[3], 0) << "settled";

  sql("mail.db", "UPDATE subscribers SET town = 'Whitby' WHERE address = 'carl@x.org'");
  const auto changed = run({"sync", "--progress", "never"});
  EXPECT_EQ(counts(changed.out)[3], 2) << "one update in each of the other two\n" << changed.out;
  EXPECT_EQ(rows("crm.db", "SELECT city FROM contacts WHERE email = 'carl@x.org'"), "Whitby\n");
  EXPECT_EQ(rows("members.db", "SELECT town FROM members WHERE email = 'carl@x.org'"), "Whitby\n");
  const auto quiet = run({"sync", "--progress", "never"});
  EXPECT_EQ(counts(quiet.out)[2] + counts(quiet.out)[3] + counts(quiet.out)[4], 0) << quiet.out;
}

}  // namespace
}  // namespace junction::testing
