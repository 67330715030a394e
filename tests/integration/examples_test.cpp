// The shipped examples run as documented.
#include <gtest/gtest.h>

#include "cli_helpers.hpp"

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

}  // namespace
}  // namespace junction::testing
