// Exceptions a connector throws; the export layer turns each into a jn_status.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "junction/abi.h"

namespace junction {

enum class Status : std::int32_t {
  ok = JN_OK,
  transient = JN_TRANSIENT,
  record_rejected = JN_RECORD_REJECTED,
  invalid_config = JN_INVALID_CONFIG,
  fatal = JN_FATAL,
};

class Error : public std::runtime_error {
 public:
  Error(Status status, const std::string &message) : std::runtime_error(message), status_(status) {}
  Status status() const { return status_; }

 private:
  Status status_;
};

// Worth retrying later: timeouts, lost connections, locks, rate limits, 5xx.
class TransientError : public Error {
 public:
  explicit TransientError(const std::string &message, std::int64_t retry_after_ms = 0)
      : Error(Status::transient, message), retry_after_ms_(retry_after_ms) {}
  std::int64_t retry_after_ms() const { return retry_after_ms_; }

 private:
  std::int64_t retry_after_ms_;
};

// This one record can never be written as it is.
class RecordError : public Error {
 public:
  explicit RecordError(const std::string &message) : Error(Status::record_rejected, message) {}
};

class ConfigError : public Error {
 public:
  explicit ConfigError(const std::string &message) : Error(Status::invalid_config, message) {}
};

class FatalError : public Error {
 public:
  explicit FatalError(const std::string &message) : Error(Status::fatal, message) {}
};

// An operating-system failure (`error_number` from errno) as the status it deserves: what
// waiting cannot fix — a full disk, a quota, a permission, a read-only file system, a
// path that is not what it should be — is fatal for the run and says so; the rest (an
// interrupted call, too many open files, an I/O error) is worth retrying.
[[noreturn]] inline void throw_os_error(const std::string &what, int error_number) {
  const std::string reason = what + ": " + std::strerror(error_number);
  switch (error_number) {
    case ENOSPC:
    case EDQUOT:
    case EACCES:
    case EPERM:
    case EROFS:
    case EISDIR:
    case ENOTDIR:
    case ENAMETOOLONG:
    case ELOOP: throw FatalError(reason + " (not retried: waiting does not change it)");
    default: throw TransientError(reason);
  }
}

}  // namespace junction
