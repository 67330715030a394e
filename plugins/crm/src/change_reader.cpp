#include "change_reader.hpp"

#include <utility>

#include "junction/errors.hpp"

namespace junction::crm {

bool id_less(const std::string &a, const std::string &b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

ChangeReader::ChangeReader(ChangePosition start, SearchFunction search, int page_size)
    : position_(std::move(start)),
      search_(std::move(search)),
      page_size_(page_size),
      draining_(position_.modified_ms >= 0) {}

ChangeReader::Step ChangeReader::next() {
  Step step;
  if (draining_) {
    auto page = search_({true, position_.modified_ms, position_.after_id}, page_size_);
    for (auto &r : page) {
      // Defensive: a record outside the query, or out of ID order, would break the position.
      if (r.modified_ms != position_.modified_ms || !id_less(position_.after_id, r.id)) {
        throw FatalError(
            "the CRM's search answered a query by modification time and ID with "
            "a record outside it (ID " +
            r.id + "); the read cannot go on safely");
      }
      position_.after_id = r.id;
      step.records.push_back(std::move(r));
    }
    if (static_cast<int>(step.records.size()) < page_size_) draining_ = false;
    step.position = position_;
    // An empty drain goes straight on, so that a reader resumed at every step still advances.
    if (!step.records.empty() || draining_) return step;
  }
  auto page = search_({false, position_.modified_ms, {}}, page_size_);
  for (std::size_t i = 1; i < page.size(); ++i) {
    if (page[i].modified_ms < page[i - 1].modified_ms) {
      throw FatalError(
          "the CRM's search did not sort by modification time as asked; the "
          "read cannot go on safely");
    }
  }
  if (!page.empty() && page.front().modified_ms <= position_.modified_ms) {
    throw FatalError("the CRM's search answered 'modified after' with an older record (ID " +
                     page.front().id + ")");
  }
  const bool last_page = static_cast<int>(page.size()) < page_size_;
  if (last_page) {
    for (auto &r : page) {
      if (r.modified_ms != position_.modified_ms)
        position_ = {r.modified_ms, r.id};
      else if (id_less(position_.after_id, r.id))
        position_.after_id = r.id;
      step.records.push_back(std::move(r));
    }
    step.position = position_;
    step.done = true;
    return step;
  }
  // A full page: the group at its last time may go on beyond it.
  const std::int64_t cut = page.back().modified_ms;
  for (auto &r : page) {
    if (r.modified_ms == cut) break;
    if (r.modified_ms != position_.modified_ms)
      position_ = {r.modified_ms, r.id};
    else if (id_less(position_.after_id, r.id))
      position_.after_id = r.id;
    step.records.push_back(std::move(r));
  }
  if (step.records.empty()) {
    // One time fills the page: nothing lies between the position and it, so read it by ID.
    position_ = {cut, {}};
    draining_ = true;
  }
  step.position = position_;
  return step;
}

}  // namespace junction::crm
