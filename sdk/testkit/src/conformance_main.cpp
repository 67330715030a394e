// junction_conformance --spec FILE [gtest flags]: runs the conformance suite against the
// plugin the spec names.
#include <gtest/gtest.h>

#include <cstring>
#include <iostream>
#include <memory>

#include "child_process.hpp"
#include "conformance_context.hpp"

namespace junction::testkit {

ConformanceContext &conformance_context() {
  static ConformanceContext context;
  return context;
}

}  // namespace junction::testkit

int main(int argc, char **argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::string spec_file;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--spec") == 0) spec_file = argv[i + 1];
  }
  if (spec_file.empty()) {
    std::cerr << "usage: " << argv[0] << " --spec FILE [gtest flags]\n";
    return 2;
  }
  using namespace junction::testkit;
  auto &context = conformance_context();
  Fixture fixture;
  try {
    context.spec = read_conformance_spec(spec_file);
    std::string why;
    auto plugin = load_plugin_file(context.spec.plugin, why);
    if (!plugin) {
      std::cerr << context.spec.plugin << ": " << why << "\n";
      return 2;
    }
    context.plugin = *plugin;
    if (!context.spec.fixture.empty()) context.fixture = fixture.start(context.spec.fixture);
  } catch (const std::exception &e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  return RUN_ALL_TESTS();
}
