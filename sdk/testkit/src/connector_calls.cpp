#include "connector_calls.hpp"

#include <cstring>

namespace junction::testkit {
namespace {

jn_str str_of(const std::string &text) {
  return {text.data(), text.size()};
}

}  // namespace

const char *status_name(jn_status status) {
  switch (status) {
    case JN_OK: return "ok";
    case JN_TRANSIENT: return "transient";
    case JN_RECORD_REJECTED: return "record rejected";
    case JN_INVALID_CONFIG: return "invalid config";
    case JN_FATAL: return "fatal";
    default: return "not a status";
  }
}

std::string CallResult::describe() const {
  return "status " + std::to_string(status) + " (" + status_name(status) + ")" +
         (error.empty() ? std::string(" without a reason") : ": " + error);
}

CallResult ConnectorUnderTest::result_of(jn_status status) {
  CallResult result;
  result.status = status;
  result.error = host_.take_error();
  return result;
}

CallResult ConnectorUnderTest::create(const std::string &config_json, const std::string &base_dir) {
  destroy();
  const std::string name = "conformance";
  jn_connector_info info{};
  info.struct_size = sizeof info;
  info.name = str_of(name);
  info.config = str_of(config_json);
  info.base_dir = str_of(base_dir);
  void *created = nullptr;
  auto result = result_of(table_.create(host_.api(), host_.context(), &info, &created));
  if (result.ok()) connector_ = created;
  return result;
}

void ConnectorUnderTest::destroy() {
  if (connector_ != nullptr) table_.destroy(connector_);
  connector_ = nullptr;
}

std::vector<ConnectorUnderTest::ReadBatch> ConnectorUnderTest::read_all(
    const std::string &entity, jn_read_mode mode, const std::string &cursor,
    std::uint32_t batch_size, CallResult &failure, std::size_t max_batches) {
  std::vector<ReadBatch> batches;
  failure = {};
  jn_source_request request{};
  request.struct_size = sizeof request;
  request.mode = mode;
  request.entity = str_of(entity);
  request.cursor = str_of(cursor);
  request.batch_size = batch_size;
  void *source = nullptr;
  failure = result_of(table_.source->open(connector_, &request, &source));
  if (!failure.ok()) return batches;
  for (std::size_t i = 0; i < max_batches; ++i) {
    jn_source_batch out{};
    out.struct_size = sizeof out;
    failure = result_of(table_.source->next(source, &out));
    if (!failure.ok()) break;
    ReadBatch batch;
    batch.records = read_records(out.batch);
    batch.cursor.assign(out.cursor.data == nullptr ? "" : out.cursor.data, out.cursor.size);
    batch.end = out.end != 0;
    batches.push_back(std::move(batch));
    if (batches.back().end) break;
  }
  table_.source->close(source);
  return batches;
}

ConnectorUnderTest::WriteResult ConnectorUnderTest::write(const std::string &entity,
                                                          const std::vector<std::string> &key,
                                                          const jn_batch &batch, bool commit) {
  WriteResult result;
  std::vector<jn_str> key_strs;
  key_strs.reserve(key.size());
  for (const auto &name : key) key_strs.push_back(str_of(name));
  static int runs = 0;
  const std::string run_id = "conformance-run-" + std::to_string(++runs);
  jn_sink_request request{};
  request.struct_size = sizeof request;
  request.key_count = static_cast<std::uint32_t>(key_strs.size());
  request.entity = str_of(entity);
  request.key_fields = key_strs.data();
  request.run_id = str_of(run_id);
  void *sink = nullptr;
  result.open = result_of(table_.sink->open(connector_, &request, &sink));
  if (!result.open.ok()) return result;
  // One outcome more than records, filled with a pattern the connector must leave alone.
  std::vector<jn_outcome> outcomes(batch.record_count + 1);
  std::memset(&outcomes.back(), 0xA5, sizeof(jn_outcome));
  jn_outcome guard;
  std::memset(&guard, 0xA5, sizeof guard);
  result.write = result_of(table_.sink->write(sink, &batch, outcomes.data()));
  result.guard_intact = std::memcmp(&outcomes.back(), &guard, sizeof guard) == 0;
  outcomes.pop_back();
  for (const auto &outcome : outcomes) {
    result.messages.emplace_back(outcome.message.data == nullptr ? "" : outcome.message.data,
                                 outcome.message.size);
  }
  result.outcomes = outcomes;
  if (result.write.ok() && commit) result.commit = result_of(table_.sink->commit(sink));
  table_.sink->close(sink);
  return result;
}

}  // namespace junction::testkit
