#include "service_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace junction::testing {
namespace {

std::string read_all(const std::filesystem::path &file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

ServiceProcess::ServiceProcess(const std::string &program, const std::vector<std::string> &args,
                               const std::filesystem::path &output_dir,
                               const ProcessOptions &options)
    : out_(output_dir / "service.out"), err_(output_dir / "service.err") {
  std::vector<std::string> storage{program};
  storage.insert(storage.end(), args.begin(), args.end());
  const int out_fd = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err_fd = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out_fd < 0 || err_fd < 0) throw std::runtime_error("cannot create the service's output");
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    exec_child(storage, options);
  }
  ::close(out_fd);
  ::close(err_fd);
}

ServiceProcess::~ServiceProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

std::string ServiceProcess::out() const {
  return read_all(out_);
}

std::string ServiceProcess::err() const {
  return read_all(err_);
}

bool ServiceProcess::wait_for(const std::string &text, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (out().find(text) != std::string::npos || err().find(text) != std::string::npos) {
      return true;
    }
    if (pid_ > 0) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
        pid_ = -1;
        return out().find(text) != std::string::npos || err().find(text) != std::string::npos;
      }
    } else {
      return false;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

int ServiceProcess::count_in_err(const std::string &text) const {
  const std::string all = err();
  int n = 0;
  for (auto at = all.find(text); at != std::string::npos; at = all.find(text, at + 1)) ++n;
  return n;
}

void ServiceProcess::signal(int number) const {
  if (pid_ > 0) ::kill(pid_, number);
}

int ServiceProcess::wait_exit(std::chrono::milliseconds limit) {
  if (pid_ <= 0) return exit_;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      pid_ = -1;
      return exit_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1000;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int ServiceProcess::stop(std::chrono::milliseconds limit) {
  signal(SIGTERM);
  const int code = wait_exit(limit);
  if (code == -1000 && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  return code;
}

}  // namespace junction::testing
