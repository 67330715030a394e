#include "engine/written_fields.hpp"

#include <unordered_map>

namespace junction::engine {
namespace {

constexpr std::size_t hash_width = 8;

std::vector<std::string_view> segments_of(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const auto end = text.find(';');
    const std::string_view part = text.substr(0, end);
    if (part.size() >= hash_width) out.push_back(part);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return out;
}

}  // namespace

std::string merge_written_fields(std::string_view before, std::string_view segment,
                                 std::size_t max_segments) {
  std::string out(segment);
  std::size_t kept = 1;
  for (const auto part : segments_of(before)) {
    if (kept >= max_segments) break;
    if (part.substr(0, hash_width) == segment.substr(0, hash_width)) continue;
    out += ';';
    out += part;
    ++kept;
  }
  return out;
}

FieldDifferences compare_written_fields(std::string_view written, std::string_view segment,
                                        const std::vector<std::string> &names,
                                        const FieldListLookup &names_of) {
  // The last written hash of each field, from the first segment holding it.
  std::unordered_map<std::string_view, std::string_view> last;
  for (const auto part : segments_of(written)) {
    const std::string_view list = part.substr(0, hash_width);
    const std::vector<std::string> *part_names =
        list == segment.substr(0, hash_width) ? &names : names_of(list);
    if (part_names == nullptr || part.size() != hash_width * (part_names->size() + 1)) continue;
    for (std::size_t f = 0; f < part_names->size(); ++f) {
      last.emplace((*part_names)[f], part.substr(hash_width * (f + 1), hash_width));
    }
  }
  FieldDifferences d;
  for (std::size_t f = 0; f < names.size(); ++f) {
    const auto at = hash_width * (f + 1);
    const auto it = last.find(names[f]);
    if (it == last.end() || at + hash_width > segment.size() ||
        it->second != segment.substr(at, hash_width)) {
      d.changed.push_back(f);
    }
  }
  d.all_equal = d.changed.empty();
  return d;
}

}  // namespace junction::engine
