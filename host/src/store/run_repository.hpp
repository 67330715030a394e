// Flow runs, their cursors and their counts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace soci {
class session;
}

namespace junction::store {

struct RunCounts {
  std::int64_t read = 0;
  std::int64_t created = 0;
  std::int64_t updated = 0;
  std::int64_t unchanged = 0;
  std::int64_t deleted = 0;
  std::int64_t failed = 0;
  std::int64_t filtered = 0;
  std::int64_t written = 0;  // written where the target could not tell created from updated
};

// One run as recorded: a flow's runs under its name, a sync's under "sync:NAME".
struct RunRow {
  std::string run_id;
  std::string flow;
  std::string started_at;
  std::string finished_at;  // "" while running (or when the process died mid-run)
  std::string status;       // running, finished, finished_with_errors, interrupted, failed
  std::string actor;
  std::string message;
  RunCounts counts;
};

class RunRepository {
 public:
  explicit RunRepository(soci::session &session) : session_(session) {}

  void start(const std::string &run_id, const std::string &flow, const std::string &actor);
  void finish(const std::string &run_id, const std::string &status, const RunCounts &counts,
              const std::string &message);

  // The latest runs first; `flow` "" for every flow, `status` "" for every status.
  std::vector<RunRow> recent(const std::string &flow, int limit, const std::string &status = "");
  std::optional<RunRow> find(const std::string &run_id);

  std::optional<std::string> cursor(const std::string &flow, const std::string &stream);
  void save_cursor(const std::string &flow, const std::string &stream, const std::string &cursor,
                   const std::string &run_id);

 private:
  soci::session &session_;
};

}  // namespace junction::store
