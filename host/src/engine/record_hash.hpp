// The content hash of a mapped record: what the host compares to know a record has not
// changed since it was last written. Field names, types and values all count.
#pragma once

#include <cstdint>
#include <string>

#include <junction/batch.hpp>

namespace junction::engine {

// XXH3-128 as 32 hex digits.
std::string content_hash(const RecordView &record, const BatchView &batch);

// A short hash per field (and one of the field names), to tell later which fields an
// update changed without keeping the values: 8 hex digits for the names, then 8 per field.
std::string field_hashes(const RecordView &record, const BatchView &batch);
// The same with the hash of the batch's field names computed once (field_list_hash).
std::string field_hashes(const RecordView &record, const BatchView &batch, std::uint64_t list_hash);
std::uint64_t field_list_hash(const BatchView &batch);

}  // namespace junction::engine
