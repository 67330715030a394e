// Telling an admin which source field a config meant: the closest existing name to one
// that does not exist ("Family name" for "Family Name"), and the list of what does.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace junction::engine {

// The existing name closest to `wanted`: equal but for case first, else within a small
// edit distance (a typo, not a different word); nothing when none is close.
std::optional<std::string> closest_field(const std::string &wanted,
                                         const std::vector<std::string> &existing);

// "'Family name' (did you mean 'Family Name'?)" or "'Nickname'".
std::string field_with_suggestion(const std::string &wanted,
                                  const std::vector<std::string> &existing);

// "a, b, c" with at most `limit` names, then "and N more".
std::string field_list_text(const std::vector<std::string> &names, std::size_t limit = 30);

}  // namespace junction::engine
