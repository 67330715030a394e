// Test plugin "bad-schema": well built, but its manifest's config schema is invalid, so
// the host must refuse it before loading it.
#include <junction/sdk.hpp>

namespace {

class BadSchemaConnector : public junction::Connector {
 public:
  using Connector::Connector;
};

}  // namespace

JUNCTION_PLUGIN(BadSchemaConnector, JUNCTION_SINK)
