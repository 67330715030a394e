// The review queue of syncs as use cases: list, show, and settle an item. Settling
// changes only the sync's state (a link's base value and hold, or a record's link); the
// next cycle then writes every system that differs through the normal write path. Each
// settlement is audited with who did it.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/host_config.hpp"
#include "store/state_store.hpp"
#include "store/sync_repository.hpp"

namespace junction::app {

// A review that cannot be settled as asked; the message says why in words.
class ReviewError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ReviewDecision {
  enum class Kind { approve, reject, take, set, link } kind = Kind::approve;
  std::string system;     // take: whose value wins
  std::string value;      // set: the value
  std::int64_t link = 0;  // link: the link the record is
  std::string reason;
  std::string actor;
};

// Keys as people read them: key fields joined by '|'.
std::vector<store::SyncReview> list_reviews(store::StateStore &store, const std::string &sync,
                                            const std::string &status, int limit);

store::SyncReview show_review(store::StateStore &store, std::int64_t id);

// Settles review `id` of a sync in `config`; returns what was done, in words.
std::string settle_review(store::StateStore &store, const config::HostConfig &config,
                          std::int64_t id, const ReviewDecision &decision);

}  // namespace junction::app
