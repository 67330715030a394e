// Reads members changed since a mark without gaps or endless repeats, although the API's
// last_changed has whole seconds, `since_last_changed` means strictly after, members of one
// second come in no documented order, and paging is by offset.
//
// The mark is the newest second read and the members read at that second with a
// fingerprint of what they held. Each query asks for members changed after the second
// before the mark (so the mark's second again), sorted by last_changed: members of the
// mark's second already read with the same fingerprint are skipped, the rest are new (or
// changed again within that second). Offsets stay at 0 unless one second holds more members
// than the overlap: the offset then skips the members of that second already read, less an
// overlap of 500 that absorbs members landing in that second between queries; a full page
// that brings nothing new moves the offset on by a page.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace junction::email {

struct SecondMark {
  std::int64_t second = -1;                 // -1: from the beginning
  std::map<std::string, std::string> seen;  // member ID -> fingerprint, at `second`
};

struct FetchedMember {
  std::string id;
  std::int64_t second = 0;
  std::string fingerprint;
  std::size_t index = 0;  // in the page the fetch returned
};

// One page of members changed after `after_second` (none: all), sorted by last_changed.
using FetchMembers = std::function<std::vector<FetchedMember>(
    std::optional<std::int64_t> after_second, std::size_t offset, std::size_t count)>;

class MemberChangeReader {
 public:
  MemberChangeReader(SecondMark start, FetchMembers fetch, std::size_t page = 1000,
                     std::size_t overlap = 500);

  struct Step {
    std::vector<FetchedMember> members;  // new in this step, in page order
    SecondMark mark;                     // where the next step starts
    bool done = false;
  };
  Step next();

 private:
  SecondMark mark_;
  FetchMembers fetch_;
  std::size_t page_;
  std::size_t overlap_;
  std::size_t skip_ = 0;  // extra offset after full pages that brought nothing new
};

}  // namespace junction::email
