// A link's state as the store keeps it: compact JSON text. {"m": per system null or
// [key, hashes, deleted], "b": base values (null or text), "h": held field indices, "d":
// deleted, "x": a delete a person approved, not yet carried out}. The hashes of a member are one
// string with per field '.' (never known), '=' (the hash of the base value: a settled field) or 11
// base64url digits; links written before are an array of 16-hex-digit strings and nulls, and read
// alike.
#pragma once

#include <string>

#include "engine/sync/sync_model.hpp"

namespace junction::engine::sync {

std::string encode_link(const LinkState &link);
// Throws std::runtime_error on text that is not such a link; `systems` and `fields` size
// the state (a sync that gained a system or field reads older links).
LinkState decode_link(std::int64_t id, const std::string &text, std::size_t systems,
                      std::size_t fields);

}  // namespace junction::engine::sync
