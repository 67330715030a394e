#include "child_process.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

namespace junction::testkit {
namespace {

std::vector<char *> argv_of(const std::vector<std::string> &argv) {
  std::vector<char *> out;
  out.reserve(argv.size() + 1);
  for (const auto &arg : argv) out.push_back(const_cast<char *>(arg.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

int run_command(const std::vector<std::string> &argv, const std::string &dir, std::string &why) {
  if (argv.empty()) return 0;
  auto args = argv_of(argv);
  const pid_t pid = ::fork();
  if (pid < 0) {
    why = std::string("fork: ") + std::strerror(errno);
    return -1;
  }
  if (pid == 0) {
    if (::chdir(dir.c_str()) != 0) ::_exit(126);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    if (WEXITSTATUS(status) == 127) why = argv[0] + ": not found";
    return WEXITSTATUS(status);
  }
  why = argv[0] + " ended by signal " + std::to_string(WTERMSIG(status));
  return -1;
}

std::string Fixture::start(const std::vector<std::string> &argv) {
  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
  auto args = argv_of(argv);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(out[1]);
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd wait_for{out[0], POLLIN, 0};
    if (left.count() <= 0 || ::poll(&wait_for, 1, static_cast<int>(left.count())) <= 0) break;
    char buffer[256];
    const ssize_t got = ::read(out[0], buffer, sizeof buffer);
    if (got <= 0) break;
    line.append(buffer, static_cast<std::size_t>(got));
  }
  const auto end = line.find('\n');
  const int from = out[0];
  drain_ = std::thread([from] {
    char buffer[4096];
    while (::read(from, buffer, sizeof buffer) > 0) {
    }
    ::close(from);
  });
  if (end == std::string::npos) {
    throw std::runtime_error("the fixture " + argv[0] + " printed no line within 30 s");
  }
  line.resize(end);
  const auto word = line.find_last_of(' ');
  return word == std::string::npos ? line : line.substr(word + 1);
}

Fixture::~Fixture() {
  if (pid_ <= 0) {
    if (drain_.joinable()) drain_.join();
    return;
  }
  ::kill(pid_, SIGTERM);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  if (drain_.joinable()) drain_.join();
}

}  // namespace junction::testkit
