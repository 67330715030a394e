// A 64-bit FNV-1a hash in hex: stable across builds and machines, for fingerprints kept in
// cursors and for Message-IDs. Not for secrets.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace junction::email {

inline std::string fnv1a_hex(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(hash));
  return out;
}

}  // namespace junction::email
