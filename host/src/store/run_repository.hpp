// Flow runs, their cursors and their counts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

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

class RunRepository {
 public:
  explicit RunRepository(soci::session &session) : session_(session) {}

  void start(const std::string &run_id, const std::string &flow, const std::string &actor);
  void finish(const std::string &run_id, const std::string &status, const RunCounts &counts,
              const std::string &message);

  std::optional<std::string> cursor(const std::string &flow, const std::string &stream);
  void save_cursor(const std::string &flow, const std::string &stream, const std::string &cursor,
                   const std::string &run_id);

 private:
  soci::session &session_;
};

}  // namespace junction::store
