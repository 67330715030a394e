#include "engine/record_hash.hpp"

#define XXH_STATIC_LINKING_ONLY  // XXH3_state_t on the stack
#include <xxhash.h>

#include <cstdio>
#include <cstring>
#include <memory>

namespace junction::engine {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

// Eight hex digits of the low 32 bits at `to`; called per field, so no printf.
void put_hex32(char *to, std::uint64_t h) {
  for (int i = 7; i >= 0; --i, h >>= 4) to[i] = hex_digits[h & 15U];
}

}  // namespace

template <typename T>
void append_bytes(std::string &out, const T &value) {
  out.append(reinterpret_cast<const char *>(&value), sizeof value);
}

std::string content_hash(const RecordView &record, const BatchView &batch) {
  // The bytes hashed, gathered first: one call of the one-shot hash is much cheaper than
  // a streaming update per piece, and gives the same hash.
  thread_local std::string bytes;
  bytes.clear();
  for (std::size_t f = 0; f < batch.field_count(); ++f) {
    const Value v = record.value(f);
    if (v.is_absent()) continue;
    const std::string_view name = batch.field_name(f);
    append_bytes(bytes, std::uint64_t{name.size()});
    bytes.append(name);
    append_bytes(bytes, std::uint32_t{v.raw().type});
    if (v.has_text()) {
      append_bytes(bytes, std::uint64_t{v.text().size()});
      bytes.append(v.text());
    } else if (!v.is_null()) {
      append_bytes(bytes, std::int64_t{v.raw().u.i64});  // doubles hash by their bits
    }
  }
  const XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
  std::string text;
  text.reserve(32);
  for (const std::uint64_t part : {h.high64, h.low64}) {
    for (int shift = 60; shift >= 0; shift -= 4) text.push_back(hex_digits[(part >> shift) & 15U]);
  }
  return text;
}

std::uint64_t field_list_hash(const BatchView &batch) {
  std::string names;
  for (std::size_t f = 0; f < batch.field_count(); ++f) {
    names += batch.field_name(f);
    names.push_back('\x1f');
  }
  return XXH3_64bits(names.data(), names.size());
}

std::string field_hashes(const RecordView &record, const BatchView &batch) {
  return field_hashes(record, batch, field_list_hash(batch));
}

std::string field_hashes(const RecordView &record, const BatchView &batch,
                         std::uint64_t list_hash) {
  std::string out(8 * (batch.field_count() + 1), '0');
  put_hex32(out.data(), list_hash);
  for (std::size_t f = 0; f < batch.field_count(); ++f) {
    const Value v = record.value(f);
    const std::uint64_t seed = v.raw().type;
    std::uint64_t h = 0;
    if (v.has_text()) {
      h = XXH3_64bits_withSeed(v.text().data(), v.text().size(), seed);
    } else {
      const std::int64_t bits = v.is_null() || v.is_absent() ? 0 : v.raw().u.i64;
      h = XXH3_64bits_withSeed(&bits, sizeof bits, seed);
    }
    put_hex32(out.data() + 8 * (f + 1), h);
  }
  return out;
}

}  // namespace junction::engine
