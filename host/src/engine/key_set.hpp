// The keys a run has already handled, as 64-bit hashes in open-addressing tables: 11 to 16
// bytes a key, so a million-record run stays small. The table is split into 256 parts by
// the hash's top bits, each growing on its own: growing copies one part, not the whole
// set, so a run of millions of keys never holds two copies of its table at once.
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
  std::size_t size() const { return size_; }

 private:
  struct Part {
    std::vector<std::uint64_t> slots;  // 0 marks an empty slot
    std::size_t size = 0;
  };
  static void grow(Part &part);
  std::array<Part, 256> parts_;
  std::size_t size_ = 0;
};

}  // namespace junction::engine
