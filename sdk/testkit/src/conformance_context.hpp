// What every conformance test shares: the spec, the loaded plugin, the fixture's word.
#pragma once

#include <string>

#include "conformance_spec.hpp"
#include "plugin_file.hpp"

namespace junction::testkit {

struct ConformanceContext {
  ConformanceSpec spec;
  PluginFile plugin;
  std::string fixture;  // the fixture's announced word ("@FIXTURE@"), empty without one
};

// Set once by main before the tests run.
ConformanceContext &conformance_context();

}  // namespace junction::testkit
