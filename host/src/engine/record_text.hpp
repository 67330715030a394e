// Values and records as text: for keys, filters, hashes and the error queue.
#pragma once

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include <junction/batch.hpp>

namespace junction::engine {

// Appends a value's text: strings as they are, numbers in decimal, dates YYYY-MM-DD,
// timestamps ISO 8601 UTC, booleans true/false, null and absent as nothing.
void append_text(std::string &out, const Value &value);

// The record's fields as a JSON object (absent fields left out). Fields named in
// `masked` are replaced by "***".
nlohmann::json record_json(const RecordView &record, const BatchView &batch,
                           const std::set<std::string> &masked = {});

// A key's text: its values joined by U+001F so that ("a","b|c") and ("a|b","c") differ.
std::string key_text(const RecordView &record, const std::vector<std::size_t> &key_fields);

// A key's text for people: its values joined by "|".
std::string readable_key(std::string key);

}  // namespace junction::engine
