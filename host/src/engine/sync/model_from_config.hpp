// A sync's config as the engine's model: canonical fields by index, what each system
// reads and writes, owners, policies, holds and match rules.
#pragma once

#include <string>
#include <vector>

#include "config/host_config.hpp"
#include "engine/sync/sync_model.hpp"

namespace junction::engine::sync {

// The config must have passed its checks (names refer to what exists). `connector_owns`,
// per system, lists the fields its connector declares it owns (its manifest's "owns"): a
// canonical field read from one of them is owned by that system unless "owners" names an
// owner (the first such system, when several declare it).
SyncModel model_from_config(const config::SyncConfig &sync,
                            const std::vector<std::vector<std::string>> &connector_owns = {});

// The default region for phone normalizers ("" when not configured).
std::string country_of(const config::SyncConfig &sync);

}  // namespace junction::engine::sync
