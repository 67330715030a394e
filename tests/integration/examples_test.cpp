// The shipped examples run as documented.
#include <gtest/gtest.h>

#include <set>

#include "cli_helpers.hpp"
#include "crm_emulator.hpp"
#include "email_emulator.hpp"
#include "smtp_server.hpp"

namespace junction::testing {
namespace {

namespace fs = std::filesystem;

TEST(Examples, TheErpScenarioRunsFromItsSetupScript) {
  TempDir dir;
  fs::copy(source_dir() / "config/examples/erp", dir / "erp", fs::copy_options::recursive);
  ASSERT_EQ(run_process("/bin/bash", {(dir / "erp/setup.sh").string()}).exit_code, 0);
  const auto config = (dir / "erp/junction.json").string();
  const auto r =
      junction({"sync", "--config", config, "--plugin-path", built_plugin_dir().string()});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  const auto lines = lines_of(r.out);
  EXPECT_NE(r.out.find("products-erp-to-crm                  4         0         0          0      "
                       "   0         0         1         3"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("orders-crm-to-erp                    3         0         0          0      "
                       "   0         1         0         2"),
            std::string::npos)
      << r.out;
  const auto errors = junction({"errors", "list", "--config", config});
  EXPECT_NE(errors.out.find("crm_orders SO-3"), std::string::npos) << errors.out;
  EXPECT_NE(errors.out.find("'sku': 'NOPE' from source field 'sku' is not in its lookup table"),
            std::string::npos);
  EXPECT_EQ(run_process("/usr/bin/sqlite3", {(dir / "erp/crm.db").string(),
                                             "SELECT sku, price FROM crm_products ORDER BY sku"})
                .out,
            "MUG|9.50\nTEE-M|15.00\nTEE-S|15.00\n");
  // Nothing changed: nothing moves.
  const auto again =
      junction({"sync", "--config", config, "--plugin-path", built_plugin_dir().string()});
  EXPECT_NE(again.out.find("products-erp-to-crm                  0         0"), std::string::npos)
      << again.out;
}

// The membership example against the CRM and mailing-list emulators and a real SMTP
// server: the sample export reaches the membership database, the CRM and the list, each
// member gets one welcome mail, and an unsubscribe made on the list reaches the CRM contact
// and the membership database.
TEST(Examples, TheMembershipScenarioKeepsThreeSystemsAndTheMailingStatusConsistent) {
  TempDir dir;
  fs::copy(source_dir() / "config/examples/membership", dir / "membership",
           fs::copy_options::recursive);
  fs::create_directories(dir / "export");
  fs::copy_file(source_dir() / "config/sample-data/membership/members.csv",
                dir / "export/members.csv");
  ASSERT_EQ(run_process("/bin/bash", {(dir / "membership/setup.sh").string()}).exit_code, 0);
  const std::string crm_token = "pat-na1-example-token";
  const std::string list_key = "0123456789abcdef0123456789abcdef-us6";
  CrmEmulator crm(dir.path(), crm_token);
  crm.create_property("contacts", "mailing_status");
  EmailEmulator list(dir.path(), list_key);
  SmtpServer smtp(dir / "smtp", "club-mailer", "smtp-pass-example");
  const std::map<std::string, std::string> env = {{"MEMBERS_EXPORT_DIR", (dir / "export").string()},
                                                  {"CRM_URL", crm.base_url()},
                                                  {"CRM_TOKEN", crm_token},
                                                  {"MAILCHIMP_URL", list.base_url()},
                                                  {"MAILCHIMP_KEY", list_key},
                                                  {"MAILCHIMP_LIST", "club2026"},
                                                  {"SMTP_URL", smtp.url()},
                                                  {"SMTP_USER", "club-mailer"},
                                                  {"SMTP_PASSWORD", "smtp-pass-example"},
                                                  {"SMTP_CA_BUNDLE", smtp.certificate().string()}};
  const auto config = (dir / "membership/junction.json").string();
  const auto sync = [&] {
    ProcessOptions options;
    options.set_env = env;
    options.time_limit = std::chrono::seconds(240);
    return junction({"sync", "--config", config, "--plugin-path", built_plugin_dir().string()},
                    options);
  };
  const auto db = [&](const std::string &sql) {
    return run_process("/usr/bin/sqlite3", {(dir / "membership/members.db").string(), sql}).out;
  };
  auto first = sync();
  EXPECT_TRUE(first.exit_code == 0 || first.exit_code == 3) << first.out << first.err;
  auto second = sync();  // the list's statuses come back to the others
  EXPECT_TRUE(second.exit_code == 0 || second.exit_code == 3) << second.out << second.err;
  const auto imported = std::stoi(db("SELECT COUNT(*) FROM members"));
  EXPECT_GT(imported, 250) << first.out << first.err;
  EXPECT_EQ(crm.all("contacts", "email").size(), static_cast<std::size_t>(imported));
  EXPECT_EQ(list.members("club2026").size(), static_cast<std::size_t>(imported));
  // Those who did not opt in are on the list as unsubscribed: never mailed, never added as
  // subscribers.
  EXPECT_EQ(db("SELECT COUNT(*) FROM members WHERE mailing = 'unsubscribed'"),
            std::to_string(list.members("club2026").size() -
                           [&] {
                             std::size_t n = 0;
                             for (const auto &m : list.members("club2026")) {
                               n += m["status"] == "subscribed" ? 1 : 0;
                             }
                             return n;
                           }()) +
                "\n");
  // One welcome per member of the export.
  std::set<std::string> welcomed;
  for (const auto &m : smtp.messages()) {
    const auto at = m.find("\r\nTo: ");
    welcomed.insert(m.substr(at + 6, m.find("\r\n", at + 6) - at - 6));
  }
  EXPECT_EQ(welcomed.size(), smtp.messages().size()) << "someone got two welcomes";
  EXPECT_EQ(static_cast<int>(welcomed.size()), imported);

  // A subscribed member unsubscribes through the list.
  const std::string who =
      db("SELECT email FROM members WHERE mailing = 'subscribed' ORDER BY "
         "email LIMIT 1");
  ASSERT_FALSE(who.empty());
  const std::string email = who.substr(0, who.size() - 1);
  list.set_status("club2026", email, "unsubscribed");
  auto third = sync();
  EXPECT_TRUE(third.exit_code == 0 || third.exit_code == 3) << third.out << third.err;
  EXPECT_EQ(db("SELECT mailing FROM members WHERE email = '" + email + "'"), "unsubscribed\n");
  std::string in_crm;
  for (const auto &c : crm.all("contacts", "email,mailing_status")) {
    if (c["properties"]["email"] == email) in_crm = c["properties"].value("mailing_status", "");
  }
  EXPECT_EQ(in_crm, "unsubscribed");
  EXPECT_EQ(list.stats().value("resubscribe_attempts", -1), 0);
  EXPECT_EQ(static_cast<int>(smtp.messages().size()), imported) << "no second welcome";
}

}  // namespace
}  // namespace junction::testing

namespace junction::testing {
namespace {

// The shipped Prometheus rules load, and their own unit tests (alerts_test.yml: which
// alert fires from which series, with which labels and text) pass.
TEST(Examples, ThePrometheusAlertingRulesLoadAndPassTheirTests) {
  const auto examples = source_dir() / "config/examples";
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/promtool"))
      << "promtool (Debian package prometheus) is installed by scripts/install-deps";
  const auto checked =
      run_process("/usr/bin/promtool", {"check", "rules", (examples / "alerts.yml").string()});
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  EXPECT_NE(checked.out.find("SUCCESS: 9 rules found"), std::string::npos) << checked.out;
  ProcessOptions in_examples;
  in_examples.working_dir = examples.string();
  const auto tested =
      run_process("/usr/bin/promtool", {"test", "rules", "alerts_test.yml"}, in_examples);
  EXPECT_EQ(tested.exit_code, 0) << tested.out << tested.err;
}

}  // namespace
}  // namespace junction::testing
