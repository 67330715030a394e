#include "engine/key_set.hpp"

#include <xxhash.h>

namespace junction::engine {
namespace {

// A slot for a hash in [0, size) without a division: the high half of hash * size.
std::size_t slot_of(std::uint64_t hash, std::size_t size) {
  __extension__ using uint128 = unsigned __int128;
  return static_cast<std::size_t>((static_cast<uint128>(hash) * size) >> 64);
}

std::uint64_t hash_of(std::string_view key) {
  const std::uint64_t h = XXH3_64bits(key.data(), key.size());
  return h == 0 ? 1 : h;  // 0 marks an empty slot
}

}  // namespace

bool KeySet::contains(std::string_view key) const {
  if (slots_.empty()) return false;
  const std::uint64_t h = hash_of(key);
  const std::size_t n = slots_.size();
  for (std::size_t i = slot_of(h, n);; i = i + 1 == n ? 0 : i + 1) {
    if (slots_[i] == h) return true;
    if (slots_[i] == 0) return false;
  }
}

bool KeySet::insert(std::string_view key) {
  // Up to three quarters full: linear probing stays short, and growing by half keeps the
  // peak (old and new table together) near 1.8 slots a key.
  if ((size_ + 1) * 4 > slots_.size() * 3) grow();
  const std::uint64_t h = hash_of(key);
  const std::size_t n = slots_.size();
  for (std::size_t i = slot_of(h, n);; i = i + 1 == n ? 0 : i + 1) {
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
  slots_.assign(old.empty() ? 1024 : old.size() + old.size() / 2, 0);
  const std::size_t n = slots_.size();
  for (const std::uint64_t h : old) {
    if (h == 0) continue;
    std::size_t i = slot_of(h, n);
    while (slots_[i] != 0) i = i + 1 == n ? 0 : i + 1;
    slots_[i] = h;
  }
}

}  // namespace junction::engine
