// A real SMTP server (tests/fixtures/smtp_server, aiosmtpd) on loopback for one test:
// STARTTLS with a certificate made for the test, AUTH, and the messages it accepted read
// back from its mail folder.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "emulator_process.hpp"
#include "test_paths.hpp"

namespace junction::testing {

class SmtpServer : public ServerProcess {
 public:
  SmtpServer(const std::filesystem::path &dir, const std::string &user, const std::string &password)
      : ServerProcess("/usr/bin/python3", args_of(dir, user, password), dir / "smtp.port"),
        dir_(dir) {}

  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port()); }
  std::filesystem::path certificate() const { return dir_ / "cert.pem"; }

  // The accepted messages, whole, in the order the server queued them.
  std::vector<std::string> messages() const {
    std::vector<std::filesystem::path> files;
    if (std::filesystem::exists(dir_ / "mail")) {
      for (const auto &e : std::filesystem::directory_iterator(dir_ / "mail")) {
        if (e.path().extension() == ".eml") files.push_back(e.path());
      }
    }
    std::sort(files.begin(), files.end());
    std::vector<std::string> out;
    for (const auto &f : files) {
      std::ifstream in(f, std::ios::binary);
      out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return out;
  }

 private:
  static std::vector<std::string> args_of(const std::filesystem::path &dir, const std::string &user,
                                          const std::string &password) {
    return {(source_dir() / "tests/fixtures/smtp_server/smtp_server.py").string(),
            "--maildir",
            (dir / "mail").string(),
            "--tls-dir",
            dir.string(),
            "--user",
            user,
            "--password",
            password};
  }

  std::filesystem::path dir_;
};

}  // namespace junction::testing
