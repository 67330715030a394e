// The keys a run has already handled, as 64-bit hashes, in about 7 bytes a key, so that a
// run of millions of records stays small and never holds two copies of its set.
//
// New hashes go to a small open-addressing table; when it is half full they are merged
// into 256 sorted parts (chosen by the hash's top 8 bits) that keep the low 48 bits of each
// hash in 6 bytes, the next 8 bits being implied by a table of 256 offsets per part. A
// merge copies one part at a time. The table grows with the set (about 1/16 of it), so the
// number of merges grows with the logarithm of the run's size, not linearly.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace junction::engine {

class KeySet {
 public:
  // Adds the key; false when it was already there.
  bool insert(std::string_view key);
  bool contains(std::string_view key) const;
  // The same for a key's hash (0 counts as 1, as in hash_of); keys and hashes are one set.
  bool insert_hash(std::uint64_t hash);
  bool contains_hash(std::uint64_t hash) const;
  static std::uint64_t hash_of(std::string_view key);
  // Starts loading where a look-up of the hash will read: a caller that knows a batch of
  // keys before inserting them hides the cache misses of one behind the others'.
  void prefetch_hash(std::uint64_t hash) const;

  std::size_t size() const { return size_; }

 private:
  struct Part {
    // Entry i is bytes [6i, 6i+6) of `low`: a hash's low 48 bits, little-endian, sorted
    // within each bucket; bucket b (bits 48..55 of the hash) is entries
    // [offsets[b], offsets[b+1]), kept inline: a look-up follows one pointer, not two.
    std::array<std::uint32_t, 257> offsets{};
    std::vector<std::uint8_t> low;
  };
  bool in_recent(std::uint64_t hash) const;
  bool in_parts(std::uint64_t hash) const;
  void merge_recent();

  std::vector<std::uint64_t> recent_;  // open addressing, power-of-two size, 0: empty
  std::size_t recent_count_ = 0;
  std::vector<Part> parts_;  // 256 once the first merge made them
  std::size_t size_ = 0;
};

}  // namespace junction::engine
