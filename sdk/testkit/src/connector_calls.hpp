// The calls a conformance test makes through a plugin's table, each checked the same way:
// a failure's status comes with the words the connector gave through set_error.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "junction/abi.h"
#include "junction/testkit/fake_host.hpp"
#include "record_batch.hpp"

namespace junction::testkit {

// The result of one call: its status and, when it failed, the connector's reason.
struct CallResult {
  jn_status status = JN_OK;
  std::string error;
  bool ok() const { return status == JN_OK; }
  std::string describe() const;  // "status 3 (invalid config): <reason>"
};

// One connector instance, destroyed with this object.
class ConnectorUnderTest {
 public:
  ConnectorUnderTest(const jn_plugin &table, FakeHost &host) : table_(table), host_(host) {}
  ConnectorUnderTest(const ConnectorUnderTest &) = delete;
  ConnectorUnderTest &operator=(const ConnectorUnderTest &) = delete;
  ~ConnectorUnderTest() { destroy(); }

  CallResult create(const std::string &config_json, const std::string &base_dir);
  void destroy();
  void *handle() const { return connector_; }

  // One batch a source returned, copied out of the connector's memory.
  struct ReadBatch {
    std::vector<ReadRecord> records;
    std::string cursor;
    bool end = false;
  };
  // Opens a source and reads until it says end (at most `max_batches`); the batches read,
  // or the failing call's result in `failure`.
  std::vector<ReadBatch> read_all(const std::string &entity, jn_read_mode mode,
                                  const std::string &cursor, std::uint32_t batch_size,
                                  CallResult &failure, std::size_t max_batches = 10000);

  // Opens a sink, writes one batch and commits it (or closes without commit). Outcomes
  // are copied out; `guard_intact` tells whether the connector wrote past the last one.
  struct WriteResult {
    CallResult open, write, commit;
    std::vector<jn_outcome> outcomes;
    std::vector<std::string> messages;
    bool guard_intact = true;
  };
  WriteResult write(const std::string &entity, const std::vector<std::string> &key,
                    const jn_batch &batch, bool commit);

 private:
  CallResult result_of(jn_status status);

  const jn_plugin &table_;
  FakeHost &host_;
  void *connector_ = nullptr;
};

const char *status_name(jn_status status);

}  // namespace junction::testkit
