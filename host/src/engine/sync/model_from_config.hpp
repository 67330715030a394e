// A sync's config as the engine's model: canonical fields by index, what each system
// reads and writes, owners, policies, holds and match rules.
#pragma once

#include <string>

#include "config/host_config.hpp"
#include "engine/sync/sync_model.hpp"

namespace junction::engine::sync {

// The config must have passed its checks (names refer to what exists).
SyncModel model_from_config(const config::SyncConfig &sync);

// The default region for phone normalizers ("" when not configured).
std::string country_of(const config::SyncConfig &sync);

}  // namespace junction::engine::sync
