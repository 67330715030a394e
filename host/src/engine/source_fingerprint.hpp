// What a flow's source record was when the flow last wrote (or found) its target member:
// a 64-bit hash of the record as read (operation, field names, types, values), seeded with
// everything that decides how the flow maps it (its mapping, filter and keys, and the
// host's version).
// A record that reads the same under the same flow maps to the same values, so a re-run
// need neither map nor compare it.
//
// The top 16 bits name the flow, the low 48 hash the record: a flow refreshes the
// fingerprint of a member it finds unchanged only when it, not another flow writing other
// fields of that member, recorded the last one (flows sharing a member would otherwise
// rewrite each other's fingerprint on every run).
#pragma once

#include <cstdint>
#include <string_view>

#include <junction/batch.hpp>

namespace junction::engine {

class SourceFingerprint {
 public:
  // `definition`: what decides the flow's mapping, as text; `version`: the host's.
  SourceFingerprint(std::string_view flow_name, std::string_view definition,
                    std::string_view version);

  // Never 0 (0 stands for "no fingerprint").
  std::uint64_t of(const RecordView &record, const BatchView &batch) const {
    return of(record, seed_for(batch));
  }
  // The same, with the batch's part (its field names) hashed once per batch.
  std::uint64_t seed_for(const BatchView &batch) const;
  std::uint64_t of(const RecordView &record, std::uint64_t batch_seed) const;

  // Whether `fingerprint` was made by this flow (whatever its definition was then).
  bool made_here(std::uint64_t fingerprint) const { return (fingerprint >> 48) == tag_; }

 private:
  std::uint64_t seed_;
  std::uint64_t tag_;
};

}  // namespace junction::engine
