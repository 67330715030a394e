#include "engine/field_names.hpp"

#include <algorithm>
#include <cctype>

namespace junction::engine {
namespace {

std::string folded(const std::string &text) {
  std::string out = text;
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::size_t edit_distance(const std::string &a, const std::string &b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::optional<std::string> closest_field(const std::string &wanted,
                                         const std::vector<std::string> &existing) {
  const std::string key = folded(wanted);
  for (const auto &name : existing) {
    if (folded(name) == key) return name;
  }
  const std::size_t allowed = std::max<std::size_t>(1, key.size() / 4);
  std::optional<std::string> best;
  std::size_t best_distance = allowed + 1;
  for (const auto &name : existing) {
    if (name.size() > key.size() + allowed || key.size() > name.size() + allowed) continue;
    const std::size_t d = edit_distance(key, folded(name));
    if (d < best_distance) {
      best_distance = d;
      best = name;
    }
  }
  return best;
}

std::string field_with_suggestion(const std::string &wanted,
                                  const std::vector<std::string> &existing) {
  std::string text = "'" + wanted + "'";
  if (auto near = closest_field(wanted, existing)) text += " (did you mean '" + *near + "'?)";
  return text;
}

std::string field_list_text(const std::vector<std::string> &names, std::size_t limit) {
  if (names.empty()) return "none";
  std::string text;
  for (std::size_t i = 0; i < names.size() && i < limit; ++i) {
    text += (i == 0 ? "" : ", ") + names[i];
  }
  if (names.size() > limit) text += " and " + std::to_string(names.size() - limit) + " more";
  return text;
}

}  // namespace junction::engine
