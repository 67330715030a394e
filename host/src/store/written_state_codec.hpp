// How what the host wrote to a member is kept in the store: compact binary, not the hex
// text the engine compares. A written hash is a 64-bit fingerprint (the first 64 bits of
// the record's content hash; 0 marks a deleted record); written fields are, per segment,
// a two-byte big-endian count of 4-byte words followed by the words (the field list's
// hash, then one per field).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace junction::store {

// "" (nothing written) is none. Throws std::invalid_argument on anything but "deleted" or
// at least 16 hex digits.
std::optional<std::int64_t> pack_written_hash(std::string_view hash);
// 16 hex digits, or "deleted".
std::string unpack_written_hash(std::int64_t fingerprint);

// Segments of hex separated by ';' to bytes and back. Throws std::invalid_argument on
// text that is not such segments, or bytes that are not such words.
std::string pack_written_fields(std::string_view text);
std::string unpack_written_fields(std::string_view bytes);

std::string to_hex(std::string_view bytes);
// Either case; throws std::invalid_argument on anything else.
std::string from_hex(std::string_view hex);

}  // namespace junction::store
