// Test plugin "throwing": its constructor throws a plain std::exception, which the export
// layer must turn into a fatal status with the message, never a crash.
#include <stdexcept>

#include <junction/sdk.hpp>

namespace {

class ThrowingConnector : public junction::Connector {
 public:
  explicit ThrowingConnector(const junction::ConnectorInit &init) : Connector(init) {
    throw std::runtime_error("the throwing plugin always fails to start");
  }
};

}  // namespace

JUNCTION_PLUGIN(ThrowingConnector, JUNCTION_SINK)
