#include "engine/key_set.hpp"

#include <xxhash.h>

namespace junction::engine {

bool KeySet::insert(std::string_view key) {
  if ((size_ + 1) * 2 > slots_.size()) grow();
  std::uint64_t h = XXH3_64bits(key.data(), key.size());
  if (h == 0) h = 1;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    if (slots_[i] == h) return false;
    if (slots_[i] == 0) {
      slots_[i] = h;
      ++size_;
      return true;
    }
  }
}

void KeySet::grow() {
  std::vector<std::uint64_t> old = std::move(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, 0);
  const std::size_t mask = slots_.size() - 1;
  for (const std::uint64_t h : old) {
    if (h == 0) continue;
    std::size_t i = h & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = h;
  }
}

}  // namespace junction::engine
