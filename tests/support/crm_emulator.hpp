// The CRM emulator (tests/fixtures/crm_emulator) for one test: its API with the bearer
// token, and its test controls.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "emulator_process.hpp"

namespace junction::testing {

class CrmEmulator : public EmulatorProcess {
 public:
  // `extra` are emulator options such as {"--window-max", "20", "--window-ms", "1000"}.
  CrmEmulator(const std::filesystem::path &dir, const std::string &token,
              const std::vector<std::string> &extra = {})
      : EmulatorProcess(JUNCTION_TEST_CRM_EMULATOR, args_of(token, extra),
                        dir / "crm-emulator.port", {{"Authorization", "Bearer " + token}}) {}

  nlohmann::json stats() { return call("GET", "/__emulator/stats").second; }
  void reset_stats() { call("POST", "/__emulator/stats/reset", nlohmann::json::object()); }
  void fault(const nlohmann::json &fault) { call("POST", "/__emulator/faults", fault); }
  void freeze_clock(std::int64_t ms) { call("POST", "/__emulator/clock", {{"frozen_ms", ms}}); }
  void thaw_clock() { call("POST", "/__emulator/clock", {{"frozen_ms", nullptr}}); }
  void create_property(const std::string &type, const std::string &name) {
    call("POST", "/crm/v3/properties/" + type, {{"name", name}});
  }

  // Every live object of `type` with the named properties, through the list endpoint.
  std::vector<nlohmann::json> all(const std::string &type, const std::string &properties) {
    std::vector<nlohmann::json> out;
    std::string after;
    for (;;) {
      const auto [status, body] =
          call("GET", "/crm/v3/objects/" + type + "?limit=100&properties=" + properties +
                          (after.empty() ? "" : "&after=" + after));
      if (status != 200) {
        ADD_FAILURE() << "listing " << type << ": HTTP " << status;
        return out;
      }
      for (const auto &o : body["results"]) out.push_back(o);
      if (!body.contains("paging")) return out;
      after = body["paging"]["next"]["after"].get<std::string>();
    }
  }

 private:
  static std::vector<std::string> args_of(const std::string &token,
                                          const std::vector<std::string> &extra) {
    std::vector<std::string> args{"--token", token};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
};

}  // namespace junction::testing
