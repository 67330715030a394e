// Starts the CRM emulator (tests/fixtures/crm_emulator) on a free loopback port for one
// test and stops it afterwards; talks to its API and test controls over real HTTP.
#pragma once

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/wait.h>
#include <nlohmann/json.hpp>

#include "run_process.hpp"

namespace junction::testing {

class CrmEmulator {
 public:
  // `extra` are emulator options such as {"--window-max", "20", "--window-ms", "1000"}.
  CrmEmulator(const std::filesystem::path &dir, std::string token,
              const std::vector<std::string> &extra = {})
      : token_(std::move(token)) {
    const auto port_file = dir / "crm-emulator.port";
    std::vector<std::string> args{"--token", token_, "--port-file", port_file.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = start_process(JUNCTION_TEST_CRM_EMULATOR, args);
    for (int i = 0; i < 200 && !std::filesystem::exists(port_file); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    if (!std::filesystem::exists(port_file)) {
      ADD_FAILURE() << "the CRM emulator did not start";
      return;
    }
    std::ifstream(port_file) >> port_;
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_read_timeout(30, 0);
  }
  ~CrmEmulator() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      wait_process(pid_);
    }
  }
  CrmEmulator(const CrmEmulator &) = delete;
  CrmEmulator &operator=(const CrmEmulator &) = delete;

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // An API call with the token; returns the status and the parsed body (null when none).
  std::pair<int, nlohmann::json> call(const std::string &method, const std::string &path,
                                      const nlohmann::json &body = nullptr) {
    const httplib::Headers headers{{"Authorization", "Bearer " + token_}};
    const std::string text = body.is_null() ? std::string() : body.dump();
    httplib::Result r = [&] {
      if (method == "POST") return client_->Post(path, headers, text, "application/json");
      if (method == "PATCH") return client_->Patch(path, headers, text, "application/json");
      if (method == "DELETE") return client_->Delete(path, headers);
      return client_->Get(path, headers);
    }();
    if (!r) {
      ADD_FAILURE() << method << " " << path << " reached no answer";
      return {0, nullptr};
    }
    return {r->status, r->body.empty() ? nlohmann::json() : nlohmann::json::parse(r->body)};
  }

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
  std::string token_;
  int pid_ = -1;
  int port_ = 0;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace junction::testing
