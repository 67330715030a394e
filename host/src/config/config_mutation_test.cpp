// A bounded mutation test of the config loader: inputs derived from a seed corpus (a full
// config and every input that once hung, overflowed or escaped as an exception) by a fixed
// pseudo-random sequence. Whatever the text, loading must return, never throw, and report
// each problem with a message of bounded length that does not quote the file at large.
#include <gtest/gtest.h>

#include <random>

#include "config/host_config.hpp"

namespace junction::config {
namespace {

const std::string full_config = R"({
  // comments are allowed
  "store": "sqlite:state.db",
  "connectors": {
    "in": {"plugin": "csv", "config": {"dir": "in", "entities": {"m": {"file": "m.csv",
           "stable_for": "2s"}}}},
    "out": {"plugin": "csv", "config": {"dir": "${env:JUNCTION_MUTATION_DIR}"}}
  },
  "flows": [{"name": "f", "from": {"connector": "in", "entity": "m", "key": ["id"]},
             "to": {"connector": "out", "entity": "p", "key": ["email"]},
             "mapping": {"email": {"from": "Email", "transform": ["normalize_email"],
                                   "required": true},
                         "note": {"value": "$${not a reference}"}},
             "filter": [{"field": "joined", "within": "30d"}],
             "retry": {"initial_delay": "1s", "max_delay": "1m", "max_elapsed": "1h"},
             "schedule": {"cron": "*/5 * * * *", "timezone": "Europe/London"}}],
  "service": {"listen": "127.0.0.1:8080", "workers": 2}
})";

// Inputs that once hung the loader, overflowed a duration or escaped as an exception.
const std::vector<std::string> seeds = {
    full_config,
    std::string(10000, '[') + std::string(10000, ']'),
    R"({"store": "sqlite:s.db", /* never closed )" + std::string(3000, 'x'),
    R"({"store": "sqlite:s.db", ")" + std::string(5000, 'k') + R"(": 1})",
    R"({"flows": [{"name": 5, "from": 7, "mapping": "x", "to": {"connector": []}}]})",
    R"({"flows": [{"name": "f", "mapping": {"x": {"from": "id", "required": 1,
        "transform": [5]}}, "retry": {"initial_delay": "9223372036854775807d"}}]})",
    R"({"connectors": {"c": {"plugin": "csv", "config": {"entities": {"e":
        {"stable_for": "9223372036854775807s"}}}}}, "flows": [{"filter":
        [{"field": "x", "within": "99999999999999999999999d"}]}]})",
    R"({"store": "${env:}", "connectors": {"a": {"plugin": "${file:}"}}, "x": "${nope:x}"})",
    "{\"store\": \"sqlite:\\u0000\", \"\xff\": \"\xc3\x28\"}",
    "",
    "{",
    "null",
};

std::string mutate(std::string input, std::mt19937 &random) {
  static const std::vector<std::string> tokens = {"{",
                                                  "}",
                                                  "[",
                                                  "]",
                                                  ",",
                                                  ":",
                                                  "\"",
                                                  "\\",
                                                  "/*",
                                                  "*/",
                                                  "//",
                                                  "\n",
                                                  "null",
                                                  "true",
                                                  "-1",
                                                  "1e999",
                                                  "9223372036854775808",
                                                  "\"\"",
                                                  "${env:HOME}",
                                                  "$${",
                                                  "\"flows\"",
                                                  "\"mapping\"",
                                                  "\"every\": \"0s\"",
                                                  "\xff"};
  const auto pick = [&random](std::size_t n) {
    return n == 0 ? std::size_t{0} : std::uniform_int_distribution<std::size_t>(0, n - 1)(random);
  };
  const int steps = 1 + static_cast<int>(pick(3));
  for (int step = 0; step < steps; ++step) {
    const std::size_t at = pick(input.size() + 1);
    switch (pick(4)) {
      case 0: input.insert(at, tokens[pick(tokens.size())]); break;
      case 1:
        if (at < input.size()) input.erase(at, 1 + pick(12));
        break;
      case 2:
        if (at < input.size()) input.insert(at, input.substr(at, 1 + pick(80)));
        break;
      default:
        if (!input.empty()) input[pick(input.size())] = static_cast<char>(pick(256));
        break;
    }
  }
  return input;
}

TEST(ConfigMutations, EveryInputLoadsOrIsRefusedWithBoundedMessages) {
  setenv("JUNCTION_MUTATION_DIR", "out", 1);
  std::mt19937 random(20261201);  // fixed: every run tests the same inputs
  constexpr int inputs = 1500;
  for (int i = 0; i < inputs; ++i) {
    const std::string &seed = seeds[static_cast<std::size_t>(i) % seeds.size()];
    const std::string input = i < static_cast<int>(seeds.size()) ? seed : mutate(seed, random);
    LoadedConfig loaded;
    try {
      loaded = load_host_config_text(input, "/cfg/junction.json");
    } catch (const std::exception &e) {
      FAIL() << "input " << i << " escaped as an exception: " << e.what() << "\n"
             << ::testing::PrintToString(input.substr(0, 2000));
    }
    for (const auto &problem : loaded.problems) {
      ASSERT_FALSE(problem.message.empty()) << "input " << i;
      // Excerpts are capped: a message never carries a whole file or a huge key.
      ASSERT_LE(problem.to_string().size(), 1500U)
          << "input " << i << ": " << problem.to_string().substr(0, 300);
    }
  }
}

}  // namespace
}  // namespace junction::config
