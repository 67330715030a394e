#include "engine/record_hash.hpp"

#define XXH_STATIC_LINKING_ONLY  // XXH3_state_t on the stack
#include <xxhash.h>

#include <cstdio>
#include <cstring>
#include <memory>

namespace junction::engine {

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
  char text[33];
  std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return text;
}

}  // namespace junction::engine
