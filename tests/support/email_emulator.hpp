// The email platform emulator (tests/fixtures/email_emulator) for one test: its API with
// the key as basic credentials, and its test controls.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "emulator_process.hpp"

namespace junction::testing {

class EmailEmulator : public EmulatorProcess {
 public:
  EmailEmulator(const std::filesystem::path &dir, const std::string &key,
                const std::vector<std::string> &extra = {})
      : EmulatorProcess(JUNCTION_TEST_EMAIL_EMULATOR, args_of(key, extra),
                        dir / "email-emulator.port",
                        {httplib::make_basic_authentication_header("test", key)}) {}

  nlohmann::json stats() { return call("GET", "/__emulator/stats").second; }
  void reset_stats() { call("POST", "/__emulator/stats/reset", nlohmann::json::object()); }
  void fault(const nlohmann::json &fault) { call("POST", "/__emulator/faults", fault); }
  void freeze_clock(std::int64_t s) { call("POST", "/__emulator/clock", {{"frozen_s", s}}); }
  void thaw_clock() { call("POST", "/__emulator/clock", {{"frozen_s", nullptr}}); }
  // The person unsubscribed (or bounced: "cleaned") on the platform's side.
  void set_status(const std::string &list, const std::string &email, const std::string &status) {
    call("POST", "/__emulator/status", {{"list", list}, {"email", email}, {"status", status}});
  }

  // Every member of `list` with `status` ("" for all but archived).
  std::vector<nlohmann::json> members(const std::string &list, const std::string &status = "") {
    std::vector<nlohmann::json> out;
    for (std::size_t offset = 0;; offset += 1000) {
      const auto [code, body] = call(
          "GET", "/3.0/lists/" + list + "/members?count=1000&offset=" + std::to_string(offset) +
                     (status.empty() ? "" : "&status=" + status));
      if (code != 200) {
        ADD_FAILURE() << "listing members: HTTP " << code;
        return out;
      }
      for (const auto &m : body["members"]) out.push_back(m);
      if (body["members"].size() < 1000) return out;
    }
  }

 private:
  static std::vector<std::string> args_of(const std::string &key,
                                          const std::vector<std::string> &extra) {
    std::vector<std::string> args{"--api-key", key};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
};

}  // namespace junction::testing
