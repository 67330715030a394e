// Per readable system of a sync: each record the host knows there, by a hash of its key,
// with its link and a digest of the values the host last saw or wrote in the fields the
// system reads. A record read with the same digest has not changed since: a cycle skips
// it without loading its link, so an unchanged cycle touches no link at all.
//
// A record's digest is "dirty" (never matches) while its link still owes something there
// (a field that differs from the agreed value after a failed or declined write, a record
// missing in a writable system): the next cycle then plans that link as it would after
// reading it whole.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/sync/sync_model.hpp"

namespace junction::engine::sync {

struct IndexEntry {
  std::uint64_t key_hash = 0;
  std::int64_t link = 0;
  std::uint64_t digest = 0;
};

// The digest of values as hashed by value_hash, over the fields system `s` reads.
class DigestBuilder {
 public:
  void add(std::uint64_t value_hash) { hashes_.push_back(value_hash); }
  void clear() { hashes_.clear(); }
  std::uint64_t digest() const;

 private:
  std::vector<std::uint64_t> hashes_;
};

std::uint64_t key_hash(std::string_view key);

class MemberIndex {
 public:
  // What the index of system `system` means: which fields its digests cover. An index
  // saved under another fingerprint (the sync's fields or keys changed) is not used.
  static std::uint64_t fingerprint(const SyncModel &model, std::size_t system);

  // Decodes a saved index; nothing when the bytes are not one or its fingerprint differs.
  static std::optional<MemberIndex> decode(std::string_view bytes, std::uint64_t fingerprint);
  std::string encode(std::uint64_t fingerprint) const;

  // The index of system `system` over `links`; nothing when two of its keys share a hash
  // (the cycle then reads every link, as without an index).
  static std::optional<MemberIndex> build(const SyncModel &model, std::size_t system,
                                          const std::vector<const LinkState *> &links);
  // Replaces the entries of `links` (by id) with what their states give now. False when
  // that makes two keys share a hash.
  bool update(const SyncModel &model, std::size_t system,
              const std::vector<const LinkState *> &links);

  // The entry of a key hash, or npos.
  std::size_t find(std::uint64_t key_hash) const;
  const IndexEntry &at(std::size_t i) const { return entries_[i]; }
  std::size_t size() const { return entries_.size(); }

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

 private:
  bool sort_and_check();
  std::vector<IndexEntry> entries_;  // sorted by key_hash
};

// The entry of link `link`'s member in system `system`, if it has a live one: its digest,
// dirty when the link still owes that system a write.
std::optional<IndexEntry> index_entry(const SyncModel &model, std::size_t system,
                                      const LinkState &link);

}  // namespace junction::engine::sync
