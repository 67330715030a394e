// Starts an API emulator from tests/fixtures on a free loopback port for one test and
// kills it afterwards; calls its API and test controls over real HTTP with the headers
// the emulator expects.
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

// A server program of the tests, started with a port file it writes once it listens.
class ServerProcess {
 public:
  ServerProcess(const std::string &program, std::vector<std::string> args,
                const std::filesystem::path &port_file) {
    args.insert(args.end(), {"--port-file", port_file.string()});
    pid_ = start_process(program, args);
    for (int i = 0; i < 400 && !std::filesystem::exists(port_file); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    if (!std::filesystem::exists(port_file)) {
      ADD_FAILURE() << program << " did not start";
      return;
    }
    std::ifstream(port_file) >> port_;
  }
  ~ServerProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      wait_process(pid_);
    }
  }
  ServerProcess(const ServerProcess &) = delete;
  ServerProcess &operator=(const ServerProcess &) = delete;

  int port() const { return port_; }

 private:
  int pid_ = -1;
  int port_ = 0;
};

class EmulatorProcess : public ServerProcess {
 public:
  EmulatorProcess(const std::string &program, std::vector<std::string> args,
                  const std::filesystem::path &port_file, httplib::Headers headers)
      : ServerProcess(program, std::move(args), port_file), headers_(std::move(headers)) {
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port());
    client_->set_read_timeout(30, 0);
  }

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port()); }

  // A call with the emulator's credentials; returns the status and the parsed body (null
  // when none).
  std::pair<int, nlohmann::json> call(const std::string &method, const std::string &path,
                                      const nlohmann::json &body = nullptr) {
    const std::string text = body.is_null() ? std::string() : body.dump();
    auto r = [&] {
      if (method == "POST") return client_->Post(path, headers_, text, "application/json");
      if (method == "PUT") return client_->Put(path, headers_, text, "application/json");
      if (method == "PATCH") return client_->Patch(path, headers_, text, "application/json");
      if (method == "DELETE") return client_->Delete(path, headers_);
      return client_->Get(path, headers_);
    }();
    if (!r) {
      ADD_FAILURE() << method << " " << path << " reached no answer";
      return {0, nullptr};
    }
    return {r->status, r->body.empty() ? nlohmann::json() : nlohmann::json::parse(r->body)};
  }

 private:
  httplib::Headers headers_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace junction::testing
