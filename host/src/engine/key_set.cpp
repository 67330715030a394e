#include "engine/key_set.hpp"

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

namespace junction::engine {
namespace {

constexpr std::size_t first_recent_slots = std::size_t{1} << 14;
constexpr std::size_t bucket_count = 256;

std::size_t part_of(std::uint64_t hash) {
  return static_cast<std::size_t>(hash >> 56);
}
std::size_t bucket_of(std::uint64_t hash) {
  return static_cast<std::size_t>((hash >> 48) & 0xff);
}
constexpr std::uint64_t low_mask = (std::uint64_t{1} << 48) - 1;

// Entries are read 8 bytes at a time (the array carries 2 bytes of padding) on a
// little-endian machine.
static_assert(std::endian::native == std::endian::little);
constexpr std::size_t padding = 2;

std::uint64_t read_low(const std::uint8_t *at) {
  std::uint64_t v = 0;
  std::memcpy(&v, at, sizeof v);
  return v & low_mask;
}
void write_low(std::uint8_t *at, std::uint64_t v) {
  std::memcpy(at, &v, 6);
}

// The recent table's slot for a hash: its bits are well mixed, the low ones suffice.
std::size_t slot_of(std::uint64_t hash, std::size_t size) {
  return static_cast<std::size_t>(hash) & (size - 1);
}

}  // namespace

std::uint64_t KeySet::hash_of(std::string_view key) {
  const std::uint64_t h = XXH3_64bits(key.data(), key.size());
  return h == 0 ? 1 : h;  // 0 marks an empty slot
}

bool KeySet::insert(std::string_view key) {
  return insert_hash(hash_of(key));
}

bool KeySet::contains(std::string_view key) const {
  return contains_hash(hash_of(key));
}

bool KeySet::contains_hash(std::uint64_t hash) const {
  if (hash == 0) hash = 1;  // as hash_of does
  return in_recent(hash) || in_parts(hash);
}

bool KeySet::in_recent(std::uint64_t hash) const {
  const std::size_t n = recent_.size();
  if (n == 0) return false;
  for (std::size_t i = slot_of(hash, n);; i = (i + 1) & (n - 1)) {
    if (recent_[i] == hash) return true;
    if (recent_[i] == 0) return false;
  }
}

bool KeySet::in_parts(std::uint64_t hash) const {
  if (parts_.empty()) return false;
  const Part &part = parts_[part_of(hash)];
  const std::size_t b = bucket_of(hash);
  const std::size_t lo = part.offsets[b];
  const std::size_t hi = part.offsets[b + 1];
  if (lo == hi) return false;
  // Hashes are uniform: start where the value would be in an even spread and walk.
  const std::uint64_t want = hash & low_mask;
  std::size_t i = lo + static_cast<std::size_t>(((want >> 24) * (hi - lo)) >> 24);
  const std::uint8_t *low = part.low.data();
  if (read_low(low + i * 6) < want) {
    for (++i; i < hi; ++i) {
      const std::uint64_t v = read_low(low + i * 6);
      if (v >= want) return v == want;
    }
    return false;
  }
  for (;;) {
    const std::uint64_t v = read_low(low + i * 6);
    if (v <= want) return v == want;
    if (i == lo) return false;
    --i;
  }
}

void KeySet::prefetch_hash(std::uint64_t hash) const {
  if (hash == 0) hash = 1;
  if (!recent_.empty()) __builtin_prefetch(&recent_[slot_of(hash, recent_.size())]);
  if (parts_.empty()) return;
  const Part &part = parts_[part_of(hash)];
  const std::size_t b = bucket_of(hash);
  const std::size_t lo = part.offsets[b];
  const std::size_t hi = part.offsets[b + 1];
  if (lo == hi) return;
  const std::uint64_t want = hash & low_mask;
  const std::size_t i = lo + static_cast<std::size_t>(((want >> 24) * (hi - lo)) >> 24);
  __builtin_prefetch(part.low.data() + i * 6);
}

bool KeySet::insert_hash(std::uint64_t hash) {
  if (hash == 0) hash = 1;
  if (in_parts(hash)) return false;
  if (recent_.empty()) recent_.assign(first_recent_slots, 0);
  const std::size_t n = recent_.size();
  std::size_t i = slot_of(hash, n);
  for (; recent_[i] != 0; i = (i + 1) & (n - 1)) {
    if (recent_[i] == hash) return false;
  }
  recent_[i] = hash;
  ++recent_count_;
  ++size_;
  if (recent_count_ * 2 >= n) merge_recent();
  return true;
}

void KeySet::merge_recent() {
  std::vector<std::uint64_t> fresh;
  fresh.reserve(recent_count_);
  for (const std::uint64_t h : recent_) {
    if (h != 0) fresh.push_back(h);
  }
  // Sorting the whole hash sorts by part, then bucket, then low bits.
  std::sort(fresh.begin(), fresh.end());
  if (parts_.empty()) parts_.resize(256);
  auto next = fresh.begin();
  for (std::size_t p = 0; p < parts_.size() && next != fresh.end(); ++p) {
    const auto end =
        std::find_if(next, fresh.end(), [p](std::uint64_t h) { return part_of(h) != p; });
    if (next == end) continue;
    Part &part = parts_[p];
    const std::size_t held = part.offsets[bucket_count];
    const std::size_t count = held + static_cast<std::size_t>(end - next);
    std::vector<std::uint8_t> low(count * 6 + padding);
    std::array<std::uint32_t, bucket_count + 1> offsets{};
    // Bucket by bucket, the part's entries merged with the new ones, both sorted.
    std::size_t out = 0;
    auto it = next;
    for (std::size_t b = 0; b < bucket_count; ++b) {
      offsets[b] = static_cast<std::uint32_t>(out);
      std::size_t i = part.offsets[b];
      const std::size_t old_end = part.offsets[b + 1];
      for (; it != end && bucket_of(*it) == b; ++it) {
        const std::uint64_t add = *it & low_mask;
        for (; i < old_end; ++i) {
          const std::uint64_t v = read_low(&part.low[i * 6]);
          if (v > add) break;
          write_low(&low[out++ * 6], v);
        }
        write_low(&low[out++ * 6], add);
      }
      if (i < old_end) {
        std::memcpy(&low[out * 6], &part.low[i * 6], (old_end - i) * 6);
        out += old_end - i;
      }
    }
    offsets[bucket_count] = static_cast<std::uint32_t>(out);
    part.low = std::move(low);
    part.offsets = offsets;
    next = end;
  }
  // The table stays about a sixteenth of the set: merges grow rarer as the set grows.
  std::size_t slots = recent_.size();
  while (slots < size_ / 8) slots *= 2;
  std::vector<std::uint64_t>().swap(recent_);
  recent_.assign(slots, 0);
  recent_count_ = 0;
}

}  // namespace junction::engine
