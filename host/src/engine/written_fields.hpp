// What the host last wrote to one member, per field, from any flow. A flow's write is one
// segment: the hash of its field-name list (8 hex digits) and 8 hex digits per field, as
// record_hash's field_hashes() makes it. A member keeps one segment per field list that
// wrote it, most recent first, separated by ';': a field's last written hash is in the
// first segment whose list holds it. Two flows writing different fields of one record so
// each find their own fields unchanged, and an update lists exactly the fields whose value
// in the target changed.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace junction::engine {

// The field names of a segment's list, from its hash; nullptr when unknown.
using FieldListLookup = std::function<const std::vector<std::string> *(std::string_view)>;

// `before` with `segment` first and any older segment of the same field list dropped; at
// most `max_segments` kept.
std::string merge_written_fields(std::string_view before, std::string_view segment,
                                 std::size_t max_segments = 8);

struct FieldDifferences {
  bool all_equal = false;
  std::vector<std::size_t> changed;  // indices into `names`: differing or never written
};

// Compares `segment` (the fields `names` about to be written) with what `written` says was
// last written for each of those fields.
FieldDifferences compare_written_fields(std::string_view written, std::string_view segment,
                                        const std::vector<std::string> &names,
                                        const FieldListLookup &names_of);

}  // namespace junction::engine
