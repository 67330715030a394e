#include "engine/sync/memory_link_directory.hpp"

#include <algorithm>

namespace junction::engine::sync {

MemoryLinkDirectory::MemoryLinkDirectory(const SyncModel &model, std::string country)
    : model_(model), country_(std::move(country)), by_match_(model.match.size()) {}

void MemoryLinkDirectory::unindex(std::int64_t id) {
  const auto it = links_.find(id);
  if (it == links_.end()) return;
  for (std::size_t s = 0; s < it->second.members.size(); ++s) {
    if (it->second.members[s]) by_member_.erase({s, it->second.members[s]->key});
  }
  const auto keys = match_keys_.find(id);
  if (keys == match_keys_.end()) return;
  for (const auto &[rule, key] : keys->second) {
    auto [first, last] = by_match_[rule].equal_range(key);
    for (auto m = first; m != last; ++m) {
      if (m->second == id) {
        by_match_[rule].erase(m);
        break;
      }
    }
  }
  match_keys_.erase(keys);
}

std::int64_t MemoryLinkDirectory::put(LinkState link) {
  if (link.id <= 0) link.id = next_id_++;
  next_id_ = std::max(next_id_, link.id + 1);
  unindex(link.id);
  for (std::size_t s = 0; s < link.members.size(); ++s) {
    if (link.members[s]) by_member_[{s, link.members[s]->key}] = link.id;
  }
  if (match_index_built_) index_match_keys(link);
  const std::int64_t id = link.id;
  links_[id] = std::move(link);
  return id;
}

void MemoryLinkDirectory::index_match_keys(const LinkState &link) {
  if (link.deleted) return;
  for (std::size_t r = 0; r < model_.match.size(); ++r) {
    if (const auto key = match_key(model_.match[r], link.base, country_)) {
      by_match_[r].emplace(*key, link.id);
      match_keys_[link.id].emplace_back(r, *key);
    }
  }
}

const LinkState *MemoryLinkDirectory::find_member(std::size_t system, const std::string &key) {
  const auto it = by_member_.find({system, key});
  return it == by_member_.end() ? nullptr : &links_.at(it->second);
}

std::vector<const LinkState *> MemoryLinkDirectory::find_by_match(
    std::size_t rule, const std::string &normalized_key) {
  std::vector<const LinkState *> out;
  if (rule >= by_match_.size()) return out;
  if (!match_index_built_) {
    match_index_built_ = true;
    for (const auto &[id, link] : links_) index_match_keys(link);
  }
  auto [first, last] = by_match_[rule].equal_range(normalized_key);
  for (auto it = first; it != last; ++it) out.push_back(&links_.at(it->second));
  return out;
}

std::map<std::int64_t, std::int64_t> apply_plan_in_memory(
    MemoryLinkDirectory &links, CyclePlan &plan,
    const std::function<WriteResult(const MemberWrite &)> &apply) {
  std::map<std::int64_t, LinkState *> by_plan_id;
  for (auto &link : plan.links) by_plan_id[link.id] = &link;
  for (const auto &write : plan.writes) {
    const WriteResult result = apply(write);
    MemberWrite settled = write;
    std::erase_if(settled.fields, [&](const FieldWrite &f) {
      return std::find(result.refused_fields.begin(), result.refused_fields.end(), f.field) !=
             result.refused_fields.end();
    });
    settle_write(*by_plan_id.at(write.link), settled, result.key, result.applied);
  }
  std::map<std::int64_t, std::int64_t> ids;
  for (auto &link : plan.links) ids[link.id] = links.put(link);
  return ids;
}

}  // namespace junction::engine::sync
