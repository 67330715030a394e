#include "engine/sync/member_index.hpp"

#include <xxhash.h>

#include <algorithm>
#include <cstring>

namespace junction::engine::sync {
namespace {

constexpr char magic[8] = {'J', 'N', 'M', 'I', 'D', 'X', '0', '1'};
constexpr std::uint64_t dirty = 0;  // a digest no record's values give

template <typename T>
void put(std::string &out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

template <typename T>
T get(std::string_view bytes, std::size_t at) {
  T value;
  std::memcpy(&value, bytes.data() + at, sizeof(T));
  return value;
}

// Buffers reused from one entry to the next: indexing every link of a first sync, an
// allocation per entry showed.
struct EntryScratch {
  DigestBuilder digest;
  std::vector<std::optional<std::uint64_t>> base_hash;  // per field, made when first needed
};

// Whether the link still owes a writable system something: a record it lacks, or a field
// that differs from the agreed value (a write that failed or was declined).
bool owes_a_write(const SyncModel &model, const LinkState &link, EntryScratch &scratch) {
  if (link.delete_pending) return true;
  std::vector<std::optional<std::uint64_t>> &base_hash = scratch.base_hash;
  base_hash.assign(model.fields.size(), std::nullopt);
  const auto hash_of_base = [&](std::size_t f) {
    if (!base_hash[f]) base_hash[f] = value_hash(f < link.base.size() ? link.base[f] : Value());
    return *base_hash[f];
  };
  for (std::size_t t = 0; t < model.systems.size(); ++t) {
    const SystemModel &system = model.systems[t];
    if (!system.writable()) continue;
    if (t >= link.members.size() || !link.members[t]) return true;
    const MemberState &member = *link.members[t];
    if (member.deleted) continue;
    for (std::size_t f = 0; f < model.fields.size(); ++f) {
      if (!system.writes[f] || (f < link.held.size() && link.held[f]) ||
          (f < system.key.size() && system.key[f])) {
        continue;
      }
      if (f < member.known.size() && member.known[f] && *member.known[f] != hash_of_base(f)) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

std::uint64_t DigestBuilder::digest() const {
  const std::uint64_t d =
      XXH3_64bits_withSeed(hashes_.data(), hashes_.size() * sizeof(std::uint64_t), 0x6469676573ULL);
  return d == dirty ? 1 : d;
}

std::uint64_t key_hash(std::string_view key) {
  return XXH3_64bits_withSeed(key.data(), key.size(), 0x6b6579ULL);
}

std::uint64_t MemberIndex::fingerprint(const SyncModel &model, std::size_t system) {
  std::string text = model.systems[system].name;
  for (std::size_t f = 0; f < model.fields.size(); ++f) {
    text.push_back('\x1e');
    if (model.systems[system].reads[f]) text += model.fields[f];
  }
  return XXH3_64bits(text.data(), text.size());
}

std::optional<MemberIndex> MemberIndex::decode(std::string_view bytes, std::uint64_t fingerprint) {
  constexpr std::size_t header = sizeof magic + 2 * sizeof(std::uint64_t);
  constexpr std::size_t entry = sizeof(IndexEntry);
  if (bytes.size() < header || std::memcmp(bytes.data(), magic, sizeof magic) != 0) {
    return std::nullopt;
  }
  if (get<std::uint64_t>(bytes, sizeof magic) != fingerprint) return std::nullopt;
  const auto count = get<std::uint64_t>(bytes, sizeof magic + sizeof(std::uint64_t));
  if (count > (bytes.size() - header) / entry || bytes.size() != header + count * entry) {
    return std::nullopt;
  }
  MemberIndex index;
  index.entries_.resize(count);
  std::memcpy(index.entries_.data(), bytes.data() + header, count * entry);
  for (std::size_t i = 1; i < index.entries_.size(); ++i) {
    if (index.entries_[i - 1].key_hash >= index.entries_[i].key_hash) return std::nullopt;
  }
  return index;
}

std::string MemberIndex::encode(std::uint64_t fingerprint) const {
  std::string out(magic, sizeof magic);
  put(out, fingerprint);
  put(out, static_cast<std::uint64_t>(entries_.size()));
  out.append(reinterpret_cast<const char *>(entries_.data()), entries_.size() * sizeof(IndexEntry));
  return out;
}

namespace {

std::optional<IndexEntry> entry_of(const SyncModel &model, std::size_t system,
                                   const LinkState &link, EntryScratch &scratch) {
  if (link.deleted || system >= link.members.size() || !link.members[system]) return std::nullopt;
  const MemberState &member = *link.members[system];
  if (member.deleted) return std::nullopt;
  IndexEntry entry{key_hash(member.key), link.id, dirty};
  if (owes_a_write(model, link, scratch)) return entry;
  DigestBuilder &digest = scratch.digest;
  digest.clear();
  for (std::size_t f = 0; f < model.fields.size(); ++f) {
    if (!model.systems[system].reads[f]) continue;
    if (f >= member.known.size() || !member.known[f]) return entry;  // never seen: dirty
    digest.add(*member.known[f]);
  }
  entry.digest = digest.digest();
  return entry;
}

}  // namespace

std::optional<IndexEntry> index_entry(const SyncModel &model, std::size_t system,
                                      const LinkState &link) {
  EntryScratch scratch;
  return entry_of(model, system, link, scratch);
}

std::optional<MemberIndex> MemberIndex::build(const SyncModel &model, std::size_t system,
                                              const std::vector<const LinkState *> &links) {
  MemberIndex index;
  EntryScratch scratch;
  index.entries_.reserve(links.size());
  for (const LinkState *link : links) {
    if (auto entry = entry_of(model, system, *link, scratch)) index.entries_.push_back(*entry);
  }
  if (!index.sort_and_check()) return std::nullopt;
  return index;
}

bool MemberIndex::update(const SyncModel &model, std::size_t system,
                         const std::vector<const LinkState *> &links) {
  if (!entries_.empty()) {
    std::vector<std::int64_t> ids;
    ids.reserve(links.size());
    for (const LinkState *link : links) ids.push_back(link->id);
    std::sort(ids.begin(), ids.end());
    std::erase_if(entries_, [&](const IndexEntry &e) {
      return std::binary_search(ids.begin(), ids.end(), e.link);
    });
  }
  entries_.reserve(entries_.size() + links.size());
  EntryScratch scratch;
  for (const LinkState *link : links) {
    if (auto entry = entry_of(model, system, *link, scratch)) entries_.push_back(*entry);
  }
  return sort_and_check();
}

bool MemberIndex::sort_and_check() {
  std::sort(entries_.begin(), entries_.end(),
            [](const IndexEntry &a, const IndexEntry &b) { return a.key_hash < b.key_hash; });
  for (std::size_t i = 1; i < entries_.size(); ++i) {
    if (entries_[i - 1].key_hash == entries_[i].key_hash) return false;
  }
  return true;
}

std::size_t MemberIndex::find(std::uint64_t hash) const {
  const auto it =
      std::lower_bound(entries_.begin(), entries_.end(), hash,
                       [](const IndexEntry &e, std::uint64_t h) { return e.key_hash < h; });
  return it != entries_.end() && it->key_hash == hash
             ? static_cast<std::size_t>(it - entries_.begin())
             : npos;
}

}  // namespace junction::engine::sync
