// What the host keeps of each sync between cycles: its links (as the engine's link codec
// writes them) and its review queue.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
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
  std::string member_key;  // the record's key as the sync keeps it (fields joined by U+001F)
  std::string detail;      // JSON: values per system, candidate links
  std::string status = "open";
  std::string created_at;
  std::string resolved_at;
  std::string resolved_by;
  std::string resolution;
};

// A review of any sync by its id.
std::optional<SyncReview> find_review(soci::session &session, std::int64_t id);
// Reviews of every sync; `status` "" for every status.
std::vector<SyncReview> all_reviews(soci::session &session, const std::string &status, int limit);

class SyncRepository {
 public:
  SyncRepository(soci::session &session, std::string sync);

  // Every link of the sync: id to state text.
  std::map<std::int64_t, std::string> load_links();
  void save_links(const std::vector<std::pair<std::int64_t, std::string>> &links);

  // The links with these ids (those that exist).
  std::map<std::int64_t, std::string> load_links(const std::vector<std::int64_t> &ids);
  std::optional<std::string> load_link(std::int64_t id);

  // A system's member index (engine/sync/member_index) as saved, if any.
  std::optional<std::string> load_member_index(const std::string &system);
  void save_member_index(const std::string &system, const std::string &bytes);
  // Forgets every index of the sync: its next cycle reads every link (after a change to
  // links made outside a cycle, such as a review's settlement).
  void drop_member_indexes();
  std::int64_t max_link_id();

  // Adds the review unless one about its subject is open; true when added.
  bool add_review(const SyncReview &review);
  // `status` "" for every status.
  std::vector<SyncReview> reviews(const std::string &status, int limit);
  long long count_reviews(const std::string &status);
  // Closes an open review: `status` approved, rejected or resolved.
  void close_review(std::int64_t id, const std::string &status, const std::string &actor,
                    const std::string &resolution);

 private:
  soci::session &session_;
  std::string sync_;
};

}  // namespace junction::store
