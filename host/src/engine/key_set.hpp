// The keys a run has already handled, as 64-bit hashes in an open-addressing table:
// 11 to 16 bytes a key, so a million-record run stays small.
#pragma once

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
  void grow();
  std::vector<std::uint64_t> slots_;  // 0 marks an empty slot
  std::size_t size_ = 0;
};

}  // namespace junction::engine
