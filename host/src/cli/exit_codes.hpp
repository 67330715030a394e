// The exit codes of every junction command.
#pragma once

namespace junction::cli {

constexpr int exit_ok = 0;
constexpr int exit_failed = 1;          // e.g. a system unreachable after retries
constexpr int exit_usage = 2;           // usage or config error
constexpr int exit_records_queued = 3;  // finished, but records went to the error queue

}  // namespace junction::cli
