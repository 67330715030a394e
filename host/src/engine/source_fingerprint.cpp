#include "engine/source_fingerprint.hpp"

#include <xxhash.h>

#include <string>

namespace junction::engine {
namespace {

template <typename T>
void append_bytes(std::string &out, const T &value) {
  out.append(reinterpret_cast<const char *>(&value), sizeof value);
}

}  // namespace

SourceFingerprint::SourceFingerprint(std::string_view flow_name, std::string_view definition,
                                     std::string_view version) {
  std::string seed(definition);
  seed.push_back('\0');
  seed.append(version);
  seed_ = XXH3_64bits(seed.data(), seed.size());
  tag_ = XXH3_64bits(flow_name.data(), flow_name.size()) >> 48;
}

std::uint64_t SourceFingerprint::seed_for(const BatchView &batch) const {
  std::string names;
  for (std::size_t f = 0; f < batch.field_count(); ++f) {
    const std::string_view name = batch.field_name(f);
    append_bytes(names, std::uint64_t{name.size()});
    names.append(name);
  }
  return XXH3_64bits_withSeed(names.data(), names.size(), seed_);
}

std::uint64_t SourceFingerprint::of(const RecordView &record, std::uint64_t batch_seed) const {
  // Gathered first, then hashed in one call: cheaper than a streaming update per piece.
  thread_local std::string bytes;
  bytes.clear();
  bytes.push_back(static_cast<char>(record.operation()));
  for (std::size_t f = 0; f < record.field_count(); ++f) {
    const Value v = record.value(f);
    bytes.push_back(static_cast<char>(v.raw().type));
    if (v.has_text()) {
      append_bytes(bytes, std::uint32_t{static_cast<std::uint32_t>(v.text().size())});
      bytes.append(v.text());
    } else if (!v.is_null() && !v.is_absent()) {
      append_bytes(bytes, std::int64_t{v.raw().u.i64});  // doubles hash by their bits
    }
  }
  std::uint64_t low =
      XXH3_64bits_withSeed(bytes.data(), bytes.size(), batch_seed) & 0xFFFFFFFFFFFFULL;
  if (tag_ == 0 && low == 0) low = 1;
  return (tag_ << 48) | low;
}

}  // namespace junction::engine
