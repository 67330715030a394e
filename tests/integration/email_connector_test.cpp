// The email connector against the Mailchimp-compatible emulator over loopback HTTP, driven
// through the real binary: new members arrive through batch subscribe and an unchanged run
// sends nothing; a member who unsubscribed is never resubscribed and nothing is sent for
// that record; unsubscribes and archives flow back to a membership database; bursts of
// 429 and 5xx lose nothing; the API key is never printed, and a refused key stops the run.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <fstream>
#include <set>
#include <thread>

#include <sys/wait.h>

#include "cli_helpers.hpp"
#include "crm_emulator.hpp"
#include "email_emulator.hpp"
#include "smtp_server.hpp"

namespace junction::testing {
namespace {

using json = nlohmann::json;

const char *const key = "5f2c9e7a1b3d4f6a8c0e2b4d6f8a1c3e-us6";
const char *const list = "a1b2c3d4e5";

class EmailConnector : public ::testing::Test {
 protected:
  json email_connector(const EmailEmulator &platform) {
    return {{"plugin", "email"},
            {"config",
             {{"api_key", "${env:MAILCHIMP_KEY}"},
              {"base_url", platform.base_url()},
              {"max_rate_limit_wait_seconds", 10},
              {"entities", {{"members", {{"list_id", list}, {"merge_fields", {"FNAME"}}}}}}}}};
  }
  json csv_connector() {
    return {{"plugin", "csv"},
            {"config",
             {{"dir", dir.path().string()},
              {"entities", {{"people", {{"file", "people.csv"}, {"stable_for", "0s"}}}}}}}};
  }
  static json people_to_list() {
    return {{"name", "people"},
            {"from", {{"connector", "files"}, {"entity", "people"}, {"key", {"id"}}}},
            {"to", {{"connector", "email"}, {"entity", "members"}, {"key", {"email_address"}}}},
            {"retry", {{"max_attempts", 8}, {"initial_delay", "50ms"}, {"max_delay", "200ms"}}},
            {"mapping",
             {{"email_address", {{"from", "email"}}},
              {"FNAME", {{"from", "name"}}},
              {"status", {{"from", "status"}}},
              {"tags", {{"from", "tags"}}}}}};
  }
  json csv_to_list(const EmailEmulator &platform) {
    return {{"store", "sqlite:state.db"},
            {"connectors", {{"files", csv_connector()}, {"email", email_connector(platform)}}},
            {"flows", {people_to_list()}}};
  }
  // people.csv with `count` people; person `renamed` (if any) is called "Renamed".
  void write_people(int count, const std::string &status = "subscribed", int renamed = 0) {
    std::ofstream out(dir / "people.csv");
    out << "id,email,name,status,tags\n";
    for (int i = 1; i <= count; ++i) {
      out << i << ",Person" << i << "@Members.org,"
          << (i == renamed ? std::string("Renamed") : "Name" + std::to_string(i)) << "," << status
          << ",member\n";
    }
  }

  ProcessResult run(const json &document, const std::vector<std::string> &args,
                    const std::string &key_value = key) {
    return junction_with_config(dir, document.dump(2), args, {{"MAILCHIMP_KEY", key_value}});
  }

  TempDir dir;
};

TEST_F(EmailConnector, NewMembersArriveInBulkAndAnUnchangedRunSendsNothing) {
  EmailEmulator platform(dir.path(), key);
  write_people(45);
  const json document = csv_to_list(platform);
  auto first = run(document, {"sync"});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_EQ(summary_of(first.out, "people")[1], 45) << first.out;  // created: the API's word
  const auto members = platform.members(list);
  ASSERT_EQ(members.size(), 45U);
  for (const auto &m : members) {
    EXPECT_EQ(m["status"], "subscribed");
    EXPECT_EQ(m["tags"].size(), 1U) << m.dump();
  }
  auto kinds = platform.stats()["by_kind"];
  EXPECT_EQ(kinds.value("batch", 0), 1) << kinds.dump();  // 45 new members in one request
  EXPECT_EQ(kinds.value("put", 0), 0) << kinds.dump();

  platform.reset_stats();
  auto quiet = run(document, {"sync"});
  ASSERT_EQ(quiet.exit_code, 0) << quiet.out << quiet.err;
  EXPECT_TRUE(platform.stats()["by_kind"].empty()) << platform.stats().dump();

  // One edit: one PUT (with its tags), by the member's hash.
  write_people(45, "subscribed", 7);
  platform.reset_stats();
  auto edit = run(document, {"sync"});
  ASSERT_EQ(edit.exit_code, 0) << edit.out << edit.err;
  kinds = platform.stats()["by_kind"];
  EXPECT_EQ(kinds.value("put", 0), 1) << kinds.dump();
  EXPECT_EQ(kinds.value("batch", 0), 0) << kinds.dump();
  for (const auto &m : platform.members(list)) {
    if (m["email_address"] == "Person7@Members.org") {
      EXPECT_EQ(m["merge_fields"]["FNAME"], "Renamed");
    }
  }
}

TEST_F(EmailConnector, AMemberWhoUnsubscribedIsNeverResubscribedAndNothingIsSentForHer) {
  EmailEmulator platform(dir.path(), key);
  write_people(3);
  const json document = csv_to_list(platform);
  ASSERT_EQ(run(document, {"sync"}).exit_code, 0);
  platform.set_status(list, "person2@members.org", "unsubscribed");
  // Her record changes in the membership export, still saying "subscribed".
  write_people(3, "subscribed", 2);
  platform.reset_stats();
  auto r = run(document, {"sync"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;  // finished with a record refused
  EXPECT_EQ(summary_of(r.out, "people")[5], 1) << r.out;
  const auto stats = platform.stats();
  EXPECT_EQ(stats["by_kind"].value("put", 0), 0) << stats.dump();
  EXPECT_EQ(stats.value("resubscribe_attempts", -1), 0) << stats.dump();
  auto errors = run(document, {"errors", "list"});
  EXPECT_NE(errors.out.find("never resubscribes"), std::string::npos) << errors.out;
  for (const auto &m : platform.members(list)) {
    if (m["email_address"] == "Person2@Members.org") {
      EXPECT_EQ(m["status"], "unsubscribed");
      EXPECT_EQ(m["merge_fields"]["FNAME"], "Name2");
    }
  }
}

TEST_F(EmailConnector, UnsubscribesAndArchivesFlowBackToTheMembershipDatabase) {
  EmailEmulator platform(dir.path(), key);
  for (const char *email : {"ann@members.org", "bob@members.org", "cy@members.org"}) {
    ASSERT_EQ(platform
                  .call("POST", std::string("/3.0/lists/") + list,
                        {{"members",
                          {{{"email_address", email},
                            {"status", "subscribed"},
                            {"merge_fields", {{"FNAME", std::string(email).substr(0, 3)}}}}}},
                         {"update_existing", false}})
                  .first,
              200);
  }
  ASSERT_EQ(run_process("/usr/bin/sqlite3",
                        {(dir / "members.db").string(),
                         "CREATE TABLE members (email TEXT PRIMARY KEY, first_name TEXT, "
                         "mailing TEXT)"})
                .exit_code,
            0);
  const json document = {
      {"store", "sqlite:state.db"},
      {"connectors",
       {{"email", email_connector(platform)},
        {"db",
         {{"plugin", "sql"},
          {"config",
           {{"url", "sqlite:members.db"}, {"entities", {{"members", json::object()}}}}}}}}},
      {"flows",
       {{{"name", "list-to-db"},
         {"from", {{"connector", "email"}, {"entity", "members"}, {"key", {"id"}}}},
         {"to", {{"connector", "db"}, {"entity", "members"}, {"key", {"email"}}}},
         {"mapping",
          {{"email", {{"from", "email_address"}}},
           {"first_name", {{"from", "FNAME"}}},
           {"mailing", {{"from", "status"}}}}}}}}};
  auto first = run(document, {"sync"});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  const auto rows = [&] {
    return run_process("/usr/bin/sqlite3", {(dir / "members.db").string(),
                                            "SELECT email, first_name, mailing FROM members "
                                            "ORDER BY 1"})
        .out;
  };
  EXPECT_EQ(rows(),
            "ann@members.org|ann|subscribed\nbob@members.org|bob|subscribed\n"
            "cy@members.org|cy@|subscribed\n");
  platform.set_status(list, "bob@members.org", "unsubscribed");
  platform.set_status(list, "cy@members.org", "cleaned");  // bounced
  const auto [archived, body] = platform.call(
      "GET", std::string("/3.0/search-members?list_id=") + list + "&query=ann@members.org");
  ASSERT_EQ(archived, 200);
  const std::string ann = body["exact_matches"]["members"][0]["id"];
  ASSERT_EQ(platform.call("DELETE", std::string("/3.0/lists/") + list + "/members/" + ann).first,
            204);
  auto back = run(document, {"sync"});
  ASSERT_EQ(back.exit_code, 0) << back.out << back.err;
  const auto counts = summary_of(back.out, "list-to-db");
  EXPECT_EQ(counts[0], 3) << back.out;  // read: two status changes and one archive
  EXPECT_EQ(counts[4], 1) << back.out;  // deleted
  EXPECT_EQ(rows(), "bob@members.org|bob|unsubscribed\ncy@members.org|cy@|cleaned\n");
  auto quiet = run(document, {"sync"});
  EXPECT_EQ(summary_of(quiet.out, "list-to-db")[0], 0) << quiet.out;
}

// A member the platform refused (a fake address) is not sent again while her record is
// the same: no request is spent on a known refusal. She stays in the error queue; a change
// to her record, or `errors retry`, sends her again.
TEST_F(EmailConnector, ARefusedMemberIsNotSentAgainUntilHerRecordChanges) {
  EmailEmulator platform(dir.path(), key);
  const auto people = [&](const std::string &fake_name) {
    write_people(5);
    std::ofstream(dir / "people.csv", std::ios::app)
        << "6,someone@example.com," << fake_name << ",subscribed,member\n";
  };
  people("Fake");
  const json document = csv_to_list(platform);
  auto first = run(document, {"sync"});
  EXPECT_EQ(first.exit_code, 3) << first.out << first.err;
  EXPECT_EQ(summary_of(first.out, "people")[5], 1) << first.out;

  platform.reset_stats();
  auto again = run(document, {"sync"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(summary_of(again.out, "people")[3], 6) << again.out;  // unchanged, the refused too
  EXPECT_TRUE(platform.stats()["by_kind"].empty()) << platform.stats().dump();
  EXPECT_NE(again.err.find("1 records that email/members refused before are unchanged"),
            std::string::npos)
      << again.err;
  EXPECT_NE(run(document, {"errors", "show", "1"}).out.find("attempts:  1"), std::string::npos);

  auto retried = run(document, {"errors", "retry", "--all"});
  EXPECT_EQ(platform.stats()["by_kind"].value("put", 0), 1) << platform.stats().dump();
  EXPECT_NE(run(document, {"errors", "show", "1"}).out.find("attempts:  2"), std::string::npos)
      << retried.out << retried.err;

  people("Fake Again");
  platform.reset_stats();
  auto changed = run(document, {"sync"});
  EXPECT_EQ(changed.exit_code, 3) << changed.out << changed.err;
  EXPECT_EQ(platform.stats()["by_kind"].value("put", 0), 1) << platform.stats().dump();
}

TEST_F(EmailConnector, BurstsOf429And5xxLoseNothing) {
  EmailEmulator platform(dir.path(), key);
  write_people(60);
  const json document = csv_to_list(platform);
  platform.fault({{"status", 429}, {"count", 2}, {"path_part", "/lists/"}, {"retry_after_s", 1}});
  platform.fault({{"status", 503}, {"count", 3}, {"path_part", "/lists/"}});
  auto r = run(document, {"sync"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(platform.members(list).size(), 60U);
  EXPECT_GE(platform.stats().value("faulted", 0), 5) << platform.stats().dump();
  auto again = run(document, {"sync"});
  EXPECT_EQ(summary_of(again.out, "people")[3], 60) << again.out;  // unchanged
}

TEST_F(EmailConnector, ARefusedKeyStopsTheRunAndNoKeyIsEverPrinted) {
  EmailEmulator platform(dir.path(), key);
  write_people(5);
  const json document = csv_to_list(platform);
  const std::string wrong = "0000aaaa1111bbbb2222cccc3333dddd-us6";
  auto refused = run(document, {"--log-level", "trace", "sync"}, wrong);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("refused the API key"), std::string::npos) << refused.err;
  EXPECT_EQ(platform.stats().value("refused_auth", 0), 1) << "a refused key is not retried";
  auto fine = run(document, {"--log-level", "trace", "sync"});
  EXPECT_EQ(fine.exit_code, 0) << fine.out << fine.err;
  for (const auto &text : {refused.out, refused.err, fine.out, fine.err}) {
    EXPECT_EQ(text.find(wrong), std::string::npos) << text;
    EXPECT_EQ(text.find(key), std::string::npos) << text;
  }
  // Nor in the state store.
  std::ifstream store(dir / "state.db", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(store)), {});
  EXPECT_EQ(bytes.find(key), std::string::npos);
}

// Welcome mails through a real SMTP server (STARTTLS with a certificate made for the test,
// AUTH): one per new member, with the record's fields in the template.
class WelcomeMail : public EmailConnector {
 protected:
  json welcome_flow(const SmtpServer &smtp) {
    return {
        {"store", "sqlite:state.db"},
        {"connectors",
         {{"files", csv_connector()},
          {"mail",
           {{"plugin", "email"},
            {"config",
             {{"smtp",
               {{"url", smtp.url()},
                {"username", "junction"},
                {"password", "${env:SMTP_PASSWORD}"},
                {"ca_bundle", smtp.certificate().string()}}},
              {"entities",
               {{"welcome",
                 {{"message",
                   {{"from", "Members <members@club.example.org>"},
                    {"subject", "Welcome, {{first_name}}"},
                    {"text", "Hello {{first_name}},\nwelcome to the club."},
                    {"html", "<p>Hello {{first_name}}, welcome to the club.</p>"}}}}}}}}}}}}},
        {"flows",
         {{{"name", "welcome"},
           {"from", {{"connector", "files"}, {"entity", "people"}, {"key", {"id"}}}},
           {"to", {{"connector", "mail"}, {"entity", "welcome"}, {"key", {"email"}}}},
           {"batch_size", 10},
           {"mapping", {{"email", {{"from", "email"}}}, {"first_name", {{"from", "name"}}}}}}}}};
  }
  ProcessResult run_mail(const json &document, const std::vector<std::string> &args) {
    return junction_with_config(dir, document.dump(2), args, {{"SMTP_PASSWORD", smtp_password}});
  }
  static std::string header(const std::string &message, const std::string &name) {
    const auto at = message.find("\r\n" + name + ": ");
    if (at == std::string::npos) return {};
    const auto start = at + name.size() + 4;
    return message.substr(start, message.find("\r\n", start) - start);
  }
  std::set<std::string> recipients(const SmtpServer &smtp) {
    std::set<std::string> to;
    for (const auto &m : smtp.messages()) to.insert(header(m, "To"));
    return to;
  }

  const std::string smtp_password = "s3cret-smtp-password-771";
};

TEST_F(WelcomeMail, EachNewMemberGetsOneWelcomeAndAnEditSendsNoSecond) {
  SmtpServer smtp(dir.path(), "junction", smtp_password);
  std::ofstream(dir / "people.csv") << "id,email,name,status,tags\n"
                                    << "1,ann@club.example.org,Ann <b>&,subscribed,\n"
                                    << "2,refused-bob@club.example.org,Bob,subscribed,\n"
                                    << "3,cy@club.example.org,Cy,subscribed,\n";
  const json document = welcome_flow(smtp);
  auto first = run_mail(document, {"--log-level", "trace", "sync"});
  EXPECT_EQ(first.exit_code, 3) << first.out << first.err;  // Bob's address is refused
  const auto counts = summary_of(first.out, "welcome");
  EXPECT_EQ(counts[1], 2) << first.out;
  EXPECT_EQ(counts[5], 1) << first.out;
  auto mails = smtp.messages();
  ASSERT_EQ(mails.size(), 2U);
  EXPECT_EQ(header(mails[0], "To"), "ann@club.example.org");
  EXPECT_EQ(header(mails[0], "Subject"), "Welcome, Ann <b>&");
  EXPECT_NE(mails[0].find("<p>Hello Ann &lt;b&gt;&amp;, welcome to the club.</p>"),
            std::string::npos)
      << mails[0];
  EXPECT_NE(mails[0].find("X-Envelope-From: members@club.example.org"), std::string::npos)
      << mails[0];
  auto errors = run_mail(document, {"errors", "show", "1"});
  EXPECT_NE(errors.out.find("550 5.1.1"), std::string::npos) << errors.out;
  for (const auto &text : {first.out, first.err, errors.out}) {
    EXPECT_EQ(text.find(smtp_password), std::string::npos) << text;
  }

  // Ann's name changes and Dee joins: Dee gets her welcome, Ann no second one.
  std::ofstream(dir / "people.csv") << "id,email,name,status,tags\n"
                                    << "1,ann@club.example.org,Annie,subscribed,\n"
                                    << "2,refused-bob@club.example.org,Bob,subscribed,\n"
                                    << "3,cy@club.example.org,Cy,subscribed,\n"
                                    << "4,dee@club.example.org,Dee,subscribed,\n";
  auto second = run_mail(document, {"sync"});
  mails = smtp.messages();
  ASSERT_EQ(mails.size(), 3U);
  EXPECT_EQ(header(mails[2], "To"), "dee@club.example.org");
}

// A 4xx reply defers a recipient: the host retries that record, then queues it as
// transient, while the others are sent.
TEST_F(WelcomeMail, ADeferredRecipientIsRetriedThenQueuedAsTransient) {
  SmtpServer smtp(dir.path(), "junction", smtp_password);
  std::ofstream(dir / "people.csv") << "id,email,name,status,tags\n"
                                    << "1,ann@club.example.org,Ann,subscribed,\n"
                                    << "2,busy-eve@club.example.org,Eve,subscribed,\n";
  json document = welcome_flow(smtp);
  document["flows"][0]["retry"] = {
      {"max_attempts", 2}, {"initial_delay", "20ms"}, {"max_delay", "50ms"}};
  auto r = run_mail(document, {"sync"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(smtp.messages().size(), 1U);
  const auto shown = run_mail(document, {"errors", "show", "1"}).out;
  EXPECT_NE(shown.find("write (transient)"), std::string::npos) << shown;
  EXPECT_NE(shown.find("451 4.3.0"), std::string::npos) << shown;
  EXPECT_NE(shown.find("attempts:  2"), std::string::npos) << shown;
}

TEST_F(WelcomeMail, AStoppedRunAndItsRerunSendEachWelcomeExactlyOnce) {
  SmtpServer smtp(dir.path(), "junction", smtp_password);
  {
    std::ofstream out(dir / "people.csv");
    out << "id,email,name,status,tags\n";
    for (int i = 1; i <= 600; ++i) {
      out << i << ",member" << i << "@club.example.org,Member " << i << ",subscribed,\n";
    }
  }
  const json document = welcome_flow(smtp);
  const auto config = dir.write("junction.json", document.dump(2));
  ProcessOptions options;
  options.set_env.emplace("SMTP_PASSWORD", smtp_password);
  const int pid = start_process(
      junction_binary().string(),
      {"sync", "--config", config.string(), "--plugin-path", built_plugin_dir().string()}, options);
  for (int i = 0; i < 800 && smtp.messages().size() < 20; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  kill(pid, SIGTERM);
  const int code = wait_process(pid);
  const auto sent_before = smtp.messages().size();
  EXPECT_GE(sent_before, 20U);
  EXPECT_LT(sent_before, 600U) << "the run finished before it was stopped (exit " << code << ")";
  auto rerun = run_mail(document, {"sync"});
  ASSERT_EQ(rerun.exit_code, 0) << rerun.out << rerun.err;
  const auto mails = smtp.messages();
  EXPECT_EQ(mails.size(), 600U) << rerun.out << run_mail(document, {"errors", "list"}).out;
  EXPECT_EQ(recipients(smtp).size(), 600U) << "someone got two welcomes";
}

// Three systems in one sync: the membership database, the CRM and the mailing list. New
// members reach the CRM and the list; the list owns the mailing status (by default: the
// email connector declares it owns a member's status), so an unsubscribe
// made there reaches the CRM contact and the membership database, and an attempt in the
// database to set it back is reverted instead of resubscribing anyone; a rename reaches the
// list as a partial update.
TEST_F(EmailConnector, AnUnsubscribeInTheListReachesTheCrmAndTheMembershipDatabase) {
  EmailEmulator platform(dir.path(), key);
  const std::string crm_token = "pat-na1-3sys-test-token";
  CrmEmulator crm(dir.path(), crm_token);
  crm.create_property("contacts", "mailing_status");
  const auto sql = [&](const std::string &statement) {
    return run_process("/usr/bin/sqlite3", {(dir / "members.db").string(), statement}).out;
  };
  sql("CREATE TABLE members (email TEXT PRIMARY KEY, full_name TEXT, mailing TEXT);"
      "INSERT INTO members VALUES ('ann@members.org', 'Ann', NULL), "
      "('bob@members.org', 'Bob', NULL);");
  const json document = {
      {"store", "sqlite:state.db"},
      {"connectors",
       {{"db",
         {{"plugin", "sql"},
          {"config", {{"url", "sqlite:members.db"}, {"entities", {{"members", json::object()}}}}}}},
        {"crm",
         {{"plugin", "crm"},
          {"config",
           {{"base_url", crm.base_url()},
            {"token", "${env:CRM_TOKEN}"},
            {"entities", {{"contacts", json::object()}}}}}}},
        {"email", email_connector(platform)}}},
      {"syncs",
       {{{"name", "people"},
         {"match", {{{{"field", "email"}, {"normalize", {"email"}}}}}},
         {"systems",
          {{{"name", "members"},
            {"connector", "db"},
            {"entity", "members"},
            {"key", {"email"}},
            {"fields", {{"email", "email"}, {"name", "full_name"}, {"mailing", "mailing"}}}},
           {{"name", "crm"},
            {"connector", "crm"},
            {"entity", "contacts"},
            {"key", {"id"}},
            {"read", "changes"},
            {"assigns_key", true},
            {"fields", {{"email", "email"}, {"name", "firstname"}, {"mailing", "mailing_status"}}}},
           {{"name", "list"},
            {"connector", "email"},
            {"entity", "members"},
            {"key", {"id"}},
            {"read", "changes"},
            {"assigns_key", true},
            {"fields",
             {{"email", "email_address"}, {"name", "FNAME"}, {"mailing", "status"}}}}}}}}}};
  const auto cycle = [&] {
    return junction_with_config(dir, document.dump(2), {"sync"},
                                {{"MAILCHIMP_KEY", key}, {"CRM_TOKEN", crm_token}});
  };
  const auto crm_mailing = [&](const std::string &email) {
    for (const auto &c : crm.all("contacts", "email,firstname,mailing_status")) {
      if (c["properties"]["email"] == email) {
        return c["properties"].value("mailing_status", json()).is_string()
                   ? c["properties"]["mailing_status"].get<std::string>()
                   : std::string("(none)");
      }
    }
    return std::string("(no contact)");
  };
  // The first cycle creates both in the CRM and the list; the second brings the list's
  // status to the others.
  for (int i = 0; i < 2; ++i) {
    auto r = cycle();
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  ASSERT_EQ(platform.members(list).size(), 2U);
  EXPECT_EQ(crm.all("contacts", "email").size(), 2U);
  EXPECT_EQ(sql("SELECT email, mailing FROM members ORDER BY 1"),
            "ann@members.org|subscribed\nbob@members.org|subscribed\n");
  EXPECT_EQ(crm_mailing("bob@members.org"), "subscribed");

  // Bob unsubscribes through the list's link.
  platform.set_status(list, "bob@members.org", "unsubscribed");
  auto back = cycle();
  ASSERT_EQ(back.exit_code, 0) << back.out << back.err;
  EXPECT_EQ(sql("SELECT mailing FROM members WHERE email = 'bob@members.org'"), "unsubscribed\n");
  EXPECT_EQ(crm_mailing("bob@members.org"), "unsubscribed");

  // The database sets him back to subscribed and renames Ann: the list owns the status,
  // so the database is reverted and nobody is resubscribed; the rename reaches the list.
  sql("UPDATE members SET mailing = 'subscribed' WHERE email = 'bob@members.org';"
      "UPDATE members SET full_name = 'Annie' WHERE email = 'ann@members.org';");
  platform.reset_stats();
  auto revert = cycle();
  ASSERT_EQ(revert.exit_code, 0) << revert.out << revert.err;
  EXPECT_EQ(sql("SELECT mailing FROM members WHERE email = 'bob@members.org'"), "unsubscribed\n");
  const auto stats = platform.stats();
  EXPECT_EQ(stats.value("resubscribe_attempts", -1), 0) << stats.dump();
  for (const auto &m : platform.members(list)) {
    if (m["email_address"] == "bob@members.org") {
      EXPECT_EQ(m["status"], "unsubscribed");
    }
    if (m["email_address"] == "ann@members.org") {
      EXPECT_EQ(m["merge_fields"]["FNAME"], "Annie");
    }
  }
  EXPECT_EQ(stats["by_kind"].value("patch", 0), 1) << stats.dump();

  // Cy is on the list already, stamped long ago (an old import), so the list's change read
  // misses her; she joins the database: the sync looks her up by email and links her
  // instead of adding her to the list again.
  platform.freeze_clock(1700000000);
  const auto [added, cy] = platform.call("POST", std::string("/3.0/lists/") + list,
                                         {{"members",
                                           {{{"email_address", "cy@members.org"},
                                             {"status", "subscribed"},
                                             {"merge_fields", {{"FNAME", "Cy"}}}}}},
                                          {"update_existing", false}});
  ASSERT_EQ(added, 200);
  platform.thaw_clock();
  sql("INSERT INTO members VALUES ('Cy@Members.org', 'Cy', NULL);");
  platform.reset_stats();
  auto joined = cycle();
  ASSERT_EQ(joined.exit_code, 0) << joined.out << joined.err;
  EXPECT_NE(joined.err.find("system list: looked up 1 new records of other systems by match "
                            "rule 1; found 1"),
            std::string::npos)
      << joined.err;
  EXPECT_EQ(platform.stats()["by_kind"].value("search", 0), 1) << platform.stats().dump();
  EXPECT_EQ(platform.stats()["by_kind"].value("batch", 0), 0) << platform.stats().dump();
  EXPECT_EQ(platform.members(list).size(), 3U);
  EXPECT_EQ(crm.all("contacts", "email").size(), 3U);
  EXPECT_EQ(sql("SELECT mailing FROM members WHERE email = 'Cy@Members.org'"), "subscribed\n");

  // Settled: a cycle without edits writes nowhere.
  platform.reset_stats();
  crm.reset_stats();
  auto quiet = cycle();
  ASSERT_EQ(quiet.exit_code, 0) << quiet.out << quiet.err;
  for (const char *k : {"put", "patch", "batch", "tags", "archive"}) {
    EXPECT_EQ(platform.stats()["by_kind"].value(k, 0), 0) << k;
  }
  for (const char *k : {"create", "update", "upsert", "archive", "write"}) {
    EXPECT_EQ(crm.stats()["by_kind"].value(k, 0), 0) << k;
  }
}

}  // namespace
}  // namespace junction::testing
