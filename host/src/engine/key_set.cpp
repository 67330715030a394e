#include "engine/key_set.hpp"

#include <xxhash.h>

namespace junction::engine {
namespace {

constexpr unsigned part_bits = 8;  // 256 parts

// A slot for a hash in [0, size) without a division: the high half of (the hash's bits
// below those that chose its part) * size.
std::size_t slot_of(std::uint64_t hash, std::size_t size) {
  __extension__ using uint128 = unsigned __int128;
  return static_cast<std::size_t>((static_cast<uint128>(hash << part_bits) * size) >> 64);
}

std::uint64_t hash_of(std::string_view key) {
  const std::uint64_t h = XXH3_64bits(key.data(), key.size());
  return h == 0 ? 1 : h;  // 0 marks an empty slot
}

std::size_t part_of(std::uint64_t hash) {
  return static_cast<std::size_t>(hash >> (64 - part_bits));
}

}  // namespace

bool KeySet::contains(std::string_view key) const {
  const std::uint64_t h = hash_of(key);
  const Part &part = parts_[part_of(h)];
  const std::size_t n = part.slots.size();
  if (n == 0) return false;
  for (std::size_t i = slot_of(h, n);; i = i + 1 == n ? 0 : i + 1) {
    if (part.slots[i] == h) return true;
    if (part.slots[i] == 0) return false;
  }
}

bool KeySet::insert(std::string_view key) {
  const std::uint64_t h = hash_of(key);
  Part &part = parts_[part_of(h)];
  // Up to three quarters full: linear probing stays short.
  if ((part.size + 1) * 4 > part.slots.size() * 3) grow(part);
  const std::size_t n = part.slots.size();
  for (std::size_t i = slot_of(h, n);; i = i + 1 == n ? 0 : i + 1) {
    if (part.slots[i] == h) return false;
    if (part.slots[i] == 0) {
      part.slots[i] = h;
      ++part.size;
      ++size_;
      return true;
    }
  }
}

void KeySet::grow(Part &part) {
  std::vector<std::uint64_t> old = std::move(part.slots);
  part.slots.assign(old.empty() ? 64 : old.size() + old.size() / 2, 0);
  const std::size_t n = part.slots.size();
  for (const std::uint64_t h : old) {
    if (h == 0) continue;
    std::size_t i = slot_of(h, n);
    while (part.slots[i] != 0) i = i + 1 == n ? 0 : i + 1;
    part.slots[i] = h;
  }
}

}  // namespace junction::engine
