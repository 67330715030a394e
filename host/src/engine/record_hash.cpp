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

std::string content_hash(const RecordView &record, const BatchView &batch) {
  XXH3_state_t state;
  XXH3_128bits_reset(&state);
  for (std::size_t f = 0; f < batch.field_count(); ++f) {
    const Value v = record.value(f);
    if (v.is_absent()) continue;
    const std::string_view name = batch.field_name(f);
    const std::uint64_t name_size = name.size();
    XXH3_128bits_update(&state, &name_size, sizeof name_size);
    XXH3_128bits_update(&state, name.data(), name.size());
    const std::uint32_t type = v.raw().type;
    XXH3_128bits_update(&state, &type, sizeof type);
    if (v.has_text()) {
      const std::uint64_t size = v.text().size();
      XXH3_128bits_update(&state, &size, sizeof size);
      XXH3_128bits_update(&state, v.text().data(), v.text().size());
    } else if (!v.is_null()) {
      const std::int64_t bits = v.raw().u.i64;  // doubles hash by their bits
      XXH3_128bits_update(&state, &bits, sizeof bits);
    }
  }
  const XXH128_hash_t h = XXH3_128bits_digest(&state);
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

std::string changed_fields(const std::string &before, const std::string &after,
                           const BatchView &batch) {
  std::string out;
  const bool comparable = before.size() == after.size() && before.compare(0, 8, after, 0, 8) == 0;
  for (std::size_t f = 0; f < batch.field_count(); ++f) {
    const std::size_t at = 8 * (f + 1);
    if (comparable && before.compare(at, 8, after, at, 8) == 0) continue;
    if (!out.empty()) out += ",";
    out += batch.field_name(f);
  }
  return out;
}

}  // namespace junction::engine
