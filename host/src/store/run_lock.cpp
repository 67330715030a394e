#include "store/run_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <filesystem>
#include <system_error>

#include <soci/soci.h>

#include "store/timestamps.hpp"

namespace junction::store {
namespace {

std::string host_name() {
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0) return "this host";
  return name.data();
}

// A file name for any flow or sync name: letters and digits kept, the rest as hex.
std::string file_name_of(const std::string &name) {
  static const char *hex_digits = "0123456789abcdef";
  std::string out;
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_') {
      out.push_back(c);
    } else {
      out += {'%', hex_digits[u >> 4], hex_digits[u & 15U]};
    }
  }
  return out + ".lock";
}

class FileLock : public RunLock {
 public:
  explicit FileLock(int fd) : fd_(fd) {}
  ~FileLock() override { ::close(fd_); }  // closing releases the lock

 private:
  int fd_;
};

class AdvisoryLock : public RunLock {
 public:
  AdvisoryLock(soci::session &session, std::string name)
      : session_(session), name_(std::move(name)) {}
  ~AdvisoryLock() override {
    try {
      session_ << "SELECT pg_advisory_unlock(742318, hashtext(:n))", soci::use(name_);
    } catch (const std::exception &) {
      // The session ending releases it anyway.
    }
  }

 private:
  soci::session &session_;
  std::string name_;
};

std::unique_ptr<RunLock> lock_file(const StoreLocation &location, const std::string &name,
                                   std::string &holder) {
  const auto dir = std::filesystem::path(location.sqlite_file.string() + ".locks");
  std::error_code ignored;
  std::filesystem::create_directories(dir, ignored);
  ::chmod(dir.c_str(), 0700);
  const auto path = dir / file_name_of(name);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return nullptr;  // cannot lock: let the store's own locking decide
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    std::array<char, 512> text{};
    const ssize_t n = ::pread(fd, text.data(), text.size() - 1, 0);
    holder = n > 0 ? std::string(text.data(), static_cast<std::size_t>(n)) : "another process";
    ::close(fd);
    return nullptr;
  }
  const std::string who =
      "process " + std::to_string(::getpid()) + " on " + host_name() + " since " + utc_now_text();
  if (::ftruncate(fd, 0) == 0) {
    const ssize_t written = ::pwrite(fd, who.data(), who.size(), 0);
    (void)written;  // the lock holds whether or not the note was written
  }
  return std::make_unique<FileLock>(fd);
}

std::unique_ptr<RunLock> lock_advisory(soci::session &session, const std::string &name,
                                       std::string &holder) {
  int taken = 0;
  session << "SELECT pg_try_advisory_lock(742318, hashtext(:n))::int", soci::use(name),
      soci::into(taken);
  if (taken != 0) return std::make_unique<AdvisoryLock>(session, name);
  std::string who;
  soci::indicator ind = soci::i_null;
  session << "SELECT 'PostgreSQL session ' || a.pid || COALESCE(' from ' || "
             "host(a.client_addr), '') || ' since ' || to_char(a.backend_start AT TIME ZONE "
             "'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM pg_locks l JOIN pg_stat_activity a "
             "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.classid = 742318 AND "
             "l.objid = hashtext(:n)::oid AND l.granted LIMIT 1",
      soci::use(name), soci::into(who, ind);
  holder = session.got_data() && ind == soci::i_ok ? who : "another session";
  return nullptr;
}

}  // namespace

std::unique_ptr<RunLock> RunLock::try_acquire(StateStore &store, const std::string &name,
                                              std::string &holder) {
  if (store.backend() == Backend::postgresql) {
    return lock_advisory(store.session(), name, holder);
  }
  auto lock = lock_file(store.location(), name, holder);
  if (!lock && holder.empty()) {
    // No lock file could be made (a read-only directory): runs rely on the store alone.
    struct NoLock : RunLock {};
    return std::make_unique<NoLock>();
  }
  return lock;
}

}  // namespace junction::store
