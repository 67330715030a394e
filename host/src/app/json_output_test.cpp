#include "app/json_output.hpp"

#include <sstream>

#include <gtest/gtest.h>

namespace junction::app {
namespace {

TEST(JsonOutput, ReplacesBytesThatAreNotUtf8AndSaysSo) {
  JsonOutput json;
  EXPECT_EQ(json.dump(nlohmann::json{{"a", "ok"}}), R"({"a":"ok"})");
  EXPECT_EQ(json.dump(nlohmann::json{{"a", std::string("x\xff")}}), "{\"a\":\"x\xEF\xBF\xBD\"}");
  EXPECT_EQ(json.replaced(), 1U);
  std::ostringstream err;
  json.report(err, "audit entries");
  EXPECT_EQ(err.str(),
            "note: bytes that are not UTF-8 were written as U+FFFD in 1 of the audit "
            "entries\n");
}

TEST(JsonOutput, SaysNothingWhenEverythingWasUtf8) {
  JsonOutput json;
  json.dump(nlohmann::json::array({"é", 1}));
  std::ostringstream err;
  json.report(err, "errors");
  EXPECT_TRUE(err.str().empty());
}

}  // namespace
}  // namespace junction::app
