#include "engine/record_hash.hpp"

#define XXH_STATIC_LINKING_ONLY  // XXH3_state_t on the stack
#include <xxhash.h>

#include <cstdio>
#include <cstring>
#include <memory>

namespace junction::engine {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

// Eight hex digits of the low 32 bits; called per field, so no printf.
void append_hex32(std::string &out, std::uint64_t h) {
  for (int shift = 28; shift >= 0; shift -= 4) out.push_back(hex_digits[(h >> shift) & 15U]);
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

std::string field_hashes(const RecordView &record, const BatchView &batch) {
  std::string names;
  for (std::size_t f = 0; f < batch.field_count(); ++f) {
    names += batch.field_name(f);
    names.push_back('\x1f');
  }
  std::string out;
  out.reserve(8 * (batch.field_count() + 1));
  append_hex32(out, XXH3_64bits(names.data(), names.size()));
  for (std::size_t f = 0; f < batch.field_count(); ++f) {
    const Value v = record.value(f);
    std::uint64_t seed = v.raw().type;
    if (v.has_text()) {
      append_hex32(out, XXH3_64bits_withSeed(v.text().data(), v.text().size(), seed));
    } else {
      const std::int64_t bits = v.is_null() || v.is_absent() ? 0 : v.raw().u.i64;
      append_hex32(out, XXH3_64bits_withSeed(&bits, sizeof bits, seed));
    }
  }
  return out;
}

}  // namespace junction::engine
