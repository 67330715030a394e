// Runs one one-way flow once: read batches after the stored cursor, map and filter them,
// deliver what changed, and record outcomes, hashes, audit entries, failed records and the
// new cursor in a store transaction committed only after the sink has made its writes
// durable. Long runs checkpoint every `checkpoint_every` records; a stop request (SIGTERM,
// SIGINT) ends the run at the next batch boundary with everything so far recorded.
#pragma once

#include <string>

#include "config/host_config.hpp"
#include "engine/mapping.hpp"
#include "engine/progress.hpp"
#include "plugin/connector_instance.hpp"
#include "store/run_repository.hpp"
#include "store/state_store.hpp"

namespace junction::engine {

struct FlowResult {
  std::string flow;
  std::string run_id;
  store::RunCounts counts;
  bool failed = false;       // the run failed; only its last checkpoint is recorded
  bool interrupted = false;  // stopped on request after a checkpoint
  bool reading = false;      // it got as far as reading its source (a cursor applies)
  std::string message;
  double seconds = 0;
};

struct FlowContext {
  const config::FlowConfig &flow;
  Mapping &mapping;
  plugin::ConnectorInstance &source;
  plugin::ConnectorInstance &target;
  store::StateStore &store;
  Progress &progress;
  std::string actor;
};

FlowResult run_flow(FlowContext &context);

// A run id that sorts by time: 20261123T041500Z-3fa2c1.
std::string new_run_id();

}  // namespace junction::engine
