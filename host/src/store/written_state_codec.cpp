#include "store/written_state_codec.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <stdexcept>

namespace junction::store {
namespace {

constexpr char digits[] = "0123456789abcdef";
constexpr std::size_t word_hex = 8;

// A hex digit's value by character; -1 for anything else. Written state is packed once per
// changed record, so the digits are decoded by table.
constexpr std::array<int, 256> hex_values = [] {
  std::array<int, 256> t{};
  t.fill(-1);
  for (int c = 0; c < 10; ++c) t['0' + c] = c;
  for (int c = 0; c < 6; ++c) {
    t['a' + c] = 10 + c;
    t['A' + c] = 10 + c;
  }
  return t;
}();

void append_hex_bytes(std::string &out, std::string_view hex) {
  const std::size_t start = out.size();
  out.resize(start + hex.size() / 2);
  char *to = out.data() + start;
  int bad = 0;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    const int high = hex_values[static_cast<unsigned char>(hex[i])];
    const int low = hex_values[static_cast<unsigned char>(hex[i + 1])];
    bad |= high | low;  // negative once any digit is not hex
    *to++ = static_cast<char>(((high & 15) << 4) | (low & 15));
  }
  if (bad < 0) throw std::invalid_argument("written fields hold a non-hex digit");
}

}  // namespace

std::optional<std::int64_t> pack_written_hash(std::string_view hash) {
  if (hash.empty()) return std::nullopt;
  if (hash == "deleted") return 0;
  std::uint64_t value = 0;
  if (hash.size() < 16 ||
      std::from_chars(hash.data(), hash.data() + 16, value, 16).ptr != hash.data() + 16) {
    throw std::invalid_argument("a written hash is not hex: " + std::string(hash.substr(0, 40)));
  }
  return static_cast<std::int64_t>(value);
}

std::string unpack_written_hash(std::int64_t fingerprint) {
  if (fingerprint == 0) return "deleted";
  std::string text(16, '0');
  auto bits = static_cast<std::uint64_t>(fingerprint);
  for (std::size_t i = 16; i-- > 0; bits >>= 4) text[i] = digits[bits & 15U];
  return text;
}

std::string pack_written_fields(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 2 + 8);
  while (!text.empty()) {
    const auto end = text.find(';');
    const std::string_view segment = text.substr(0, end);
    if (segment.size() % word_hex != 0 || segment.size() / word_hex > 0xffff) {
      throw std::invalid_argument("a written-fields segment is not a whole number of hashes");
    }
    const std::size_t words = segment.size() / word_hex;
    out.push_back(static_cast<char>(words >> 8));
    out.push_back(static_cast<char>(words & 0xff));
    append_hex_bytes(out, segment);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return out;
}

std::string unpack_written_fields(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  while (!bytes.empty()) {
    if (bytes.size() < 2) throw std::invalid_argument("written fields end inside a segment");
    const std::size_t words =
        (static_cast<std::size_t>(static_cast<unsigned char>(bytes[0])) << 8) |
        static_cast<unsigned char>(bytes[1]);
    bytes.remove_prefix(2);
    if (bytes.size() < words * 4)
      throw std::invalid_argument("written fields end inside a segment");
    if (!out.empty()) out.push_back(';');
    out += to_hex(bytes.substr(0, words * 4));
    bytes.remove_prefix(words * 4);
  }
  return out;
}

std::string to_hex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15U]);
  }
  return out;
}

std::string from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) throw std::invalid_argument("odd number of hex digits");
  std::string out;
  out.reserve(hex.size() / 2);
  append_hex_bytes(out, hex);
  return out;
}

}  // namespace junction::store
