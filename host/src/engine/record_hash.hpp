// The content hash of a mapped record: what the host compares to know a record has not
// changed since it was last written. Field names, types and values all count.
#pragma once

#include <string>

#include <junction/batch.hpp>

namespace junction::engine {

// XXH3-128 as 32 hex digits.
std::string content_hash(const RecordView &record, const BatchView &batch);

}  // namespace junction::engine
