// A link's state as the store keeps it: compact JSON text. {"m": per system null or
// [key, [hash or null per field], deleted], "b": base values (null or text), "h": held
// field indices, "d": deleted}. Hashes are 16 hex digits.
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
