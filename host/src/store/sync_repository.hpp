// What the host keeps of each sync between cycles: its links (as the engine's link codec
// writes them) and its review queue.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace soci {
class session;
}

namespace junction::store {

struct SyncReview {
  std::int64_t id = 0;
  std::string sync;
  std::string subject;  // what it is about; one open item per subject
  std::string kind;     // ambiguous_match, conflict, held_change, delete_conflict
  std::int64_t link_id = 0;
  std::string field;
  std::string system;
  std::string member_key;
  std::string detail;  // JSON: values per system, candidate links
  std::string status = "open";
  std::string created_at;
  std::string resolved_at;
  std::string resolved_by;
  std::string resolution;
};

class SyncRepository {
 public:
  SyncRepository(soci::session &session, std::string sync);

  // Every link of the sync: id to state text.
  std::map<std::int64_t, std::string> load_links();
  void save_links(const std::map<std::int64_t, std::string> &links);

  // Adds the review unless one about its subject is open; true when added.
  bool add_review(const SyncReview &review);
  std::vector<SyncReview> reviews(const std::string &status, int limit);

 private:
  soci::session &session_;
  std::string sync_;
};

}  // namespace junction::store
