// Re-drives queued records through a flow's current mapping and sink, as an admin asks
// with `junction errors retry`. Each record either arrives (its entry is resolved) or
// fails again (its entry counts one more attempt, with the new problem).
#pragma once

#include <string>
#include <vector>

#include "engine/mapping.hpp"
#include "plugin/connector_instance.hpp"
#include "store/error_queue_repository.hpp"
#include "store/state_store.hpp"

namespace junction::engine {

struct RedriveResult {
  std::size_t delivered = 0;  // written, or already identical in the target
  std::size_t failed = 0;
};

// All `records` belong to `flow`. Runs in one store transaction, committed after the sink.
RedriveResult redrive(const config::FlowConfig &flow, Mapping &mapping,
                      plugin::ConnectorInstance &target, store::StateStore &store,
                      const std::vector<store::FailedRecord> &records, const std::string &actor);

}  // namespace junction::engine
