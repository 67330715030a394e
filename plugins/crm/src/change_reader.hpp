// Reads what changed since a position through the search API, with keyset paging: every
// page is a fresh query that starts after the last record delivered, so records modified
// while the read goes on cannot shift a page boundary and be skipped (offset paging
// would), and no query pages past the API's 10,000-result window.
//
// A position (T, id) says: every record last modified before T, and every record modified
// at T whose object ID is at most id, was delivered. Reading from it:
//  1. drain T: records modified at exactly T with an ID above id, sorted by ID;
//  2. advance: records modified after T, sorted by modification time. A full page ends
//     with the group at its last time possibly cut short: the records before that group are
//     delivered, the group is read again by the next query. When a whole page shares one
//     time, that time is drained by ID (step 1), however many records it has.
// No record is delivered twice in a read and none is skipped, even when 25,000 share one
// millisecond. Pure logic over a search function, so it is tested without HTTP.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace junction::crm {

struct ChangePosition {
  std::int64_t modified_ms = -1;  // -1: nothing delivered yet
  std::string after_id;           // "" : none at modified_ms yet
};

struct FoundRecord {
  std::string id;
  std::int64_t modified_ms = 0;
  std::size_t source_index = 0;  // where the search function's caller keeps the record
};

struct ChangeQuery {
  bool drain = false;  // true: modified == modified_ms and ID > after_id, by ID;
                       // false: modified > modified_ms (all when -1), by time
  std::int64_t modified_ms = -1;
  std::string after_id;
};

// Answers one query with up to `limit` records, sorted as the query asks.
using SearchFunction = std::function<std::vector<FoundRecord>(const ChangeQuery &, int limit)>;

class ChangeReader {
 public:
  ChangeReader(ChangePosition start, SearchFunction search, int page_size);

  struct Step {
    std::vector<FoundRecord> records;  // to deliver, in order
    ChangePosition position;           // after them
    bool done = false;                 // nothing more changed now
  };
  Step next();

 private:
  ChangePosition position_;
  SearchFunction search_;
  int page_size_;
  bool draining_;
};

// Object IDs are decimal numbers as text: compared as numbers.
bool id_less(const std::string &a, const std::string &b);

}  // namespace junction::crm
