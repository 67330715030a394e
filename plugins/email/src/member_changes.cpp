#include "member_changes.hpp"

namespace junction::email {

MemberChangeReader::MemberChangeReader(SecondMark start, FetchMembers fetch, std::size_t page,
                                       std::size_t overlap)
    : mark_(std::move(start)), fetch_(std::move(fetch)), page_(page), overlap_(overlap) {}

MemberChangeReader::Step MemberChangeReader::next() {
  const std::optional<std::int64_t> after =
      mark_.second >= 0 ? std::optional<std::int64_t>(mark_.second - 1) : std::nullopt;
  const std::size_t seen = mark_.seen.size();
  const std::size_t offset = (seen > overlap_ ? seen - overlap_ : 0) + skip_;
  const auto page = fetch_(after, offset, page_);
  Step step;
  const std::int64_t second_before = mark_.second;
  for (const auto &m : page) {
    if (m.second < mark_.second) continue;  // older than the mark: read already
    if (m.second == mark_.second) {
      const auto it = mark_.seen.find(m.id);
      if (it != mark_.seen.end() && it->second == m.fingerprint) continue;
    } else {
      mark_.second = m.second;
      mark_.seen.clear();
    }
    mark_.seen[m.id] = m.fingerprint;
    step.members.push_back(m);
  }
  step.done = page.size() < page_;
  if (mark_.second != second_before)
    skip_ = 0;
  else if (!step.done && step.members.empty())
    skip_ += page_;
  step.mark = mark_;
  return step;
}

}  // namespace junction::email
