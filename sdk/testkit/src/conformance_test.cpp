// The conformance suite: what every connector must do, checked against a built plugin
// through its C table, as the host would call it. See sdk/testkit/README.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "child_process.hpp"
#include "conformance_context.hpp"
#include "connector_calls.hpp"
#include "io_watch.h"

namespace junction::testkit {
namespace {

namespace fs = std::filesystem;

class Conformance : public ::testing::Test {
 protected:
  void SetUp() override {
    const char *tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/junction-conformance.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr) << "cannot make a work directory";
    workdir_ = pattern;
    const auto &context = conformance_context();
    std::vector<std::string> setup;
    for (const auto &arg : spec().setup) {
      setup.push_back(with_placeholders(arg, workdir_, context.fixture));
    }
    std::string why;
    ASSERT_EQ(run_command(setup, workdir_, why), 0) << "the spec's setup command failed " << why;
    config_ = with_placeholders(spec().config, workdir_, context.fixture).dump();
  }

  void TearDown() override {
    std::error_code ignored;
    if (!workdir_.empty()) fs::remove_all(workdir_, ignored);
  }

  static const ConformanceSpec &spec() { return conformance_context().spec; }
  static const jn_plugin &table() { return *conformance_context().plugin.table; }
  static bool is_source() { return table().source != nullptr; }
  static bool is_sink() { return table().sink != nullptr; }

  // A connector created from the spec's working config.
  std::unique_ptr<ConnectorUnderTest> connector() {
    auto created = std::make_unique<ConnectorUnderTest>(table(), host_);
    const auto result = created->create(config_, workdir_);
    EXPECT_TRUE(result.ok()) << "create with the spec's config: " << result.describe();
    return result.ok() ? std::move(created) : nullptr;
  }

  void write_samples(ConnectorUnderTest &c) {
    OwnedBatch batch(spec().records, spec().key);
    const auto written = c.write(spec().entity, spec().key, *batch.get(), true);
    ASSERT_TRUE(written.open.ok()) << "sink open: " << written.open.describe();
    ASSERT_TRUE(written.write.ok()) << "sink write: " << written.write.describe();
    ASSERT_TRUE(written.commit.ok()) << "sink commit: " << written.commit.describe();
    for (std::size_t i = 0; i < written.outcomes.size(); ++i) {
      ASSERT_EQ(written.outcomes[i].status, JN_OK)
          << "sample record " << i + 1 << " was not written: " << written.messages[i];
    }
  }

  // Every record the source reads now, in one go.
  std::vector<ReadRecord> read_everything(ConnectorUnderTest &c, jn_read_mode mode) {
    CallResult failure;
    const auto batches = c.read_all(spec().entity, mode, "", 100, failure);
    EXPECT_TRUE(failure.ok()) << "reading: " << failure.describe();
    std::vector<ReadRecord> records;
    for (const auto &batch : batches) {
      for (const auto &record : batch.records) records.push_back(record);
    }
    return records;
  }

  // Each sample record must be read once, with the values it was written with.
  void expect_samples_in(const std::vector<ReadRecord> &records) {
    std::map<std::string, const ReadRecord *> by_identity;
    for (const auto &record : records) {
      EXPECT_TRUE(record.error.empty()) << "a record could not be read: " << record.error;
      if (record.op == JN_OP_DELETE) continue;
      const auto identity = identity_of(record, spec().key);
      EXPECT_TRUE(by_identity.emplace(identity, &record).second)
          << "the record keyed " << identity << " was read twice";
    }
    for (const auto &expected : spec().records) {
      const auto identity = identity_of(expected, spec().key);
      const auto found = by_identity.find(identity);
      if (found == by_identity.end()) {
        ADD_FAILURE() << "the record " << expected.dump() << " was not read back";
        continue;
      }
      for (const auto &[name, value] : expected.items()) {
        const auto field = found->second->fields.find(name);
        if (field == found->second->fields.end()) {
          ADD_FAILURE() << "the record " << expected.dump() << " was read without " << name;
          continue;
        }
        EXPECT_EQ(field->second.value_or(""), text_of(value).value_or(""))
            << "field " << name << " of " << expected.dump();
      }
    }
  }

  FakeHost host_;
  std::string workdir_;
  std::string config_;
};

jn_read_mode resume_mode() {
  return conformance_context().spec.read_mode == "incremental" ? JN_READ_INCREMENTAL
                                                               : JN_READ_SNAPSHOT;
}

TEST_F(Conformance, StampManifestAndTableAgree) {
  const auto &plugin = conformance_context().plugin;
  ASSERT_TRUE(plugin.stamp.has_value()) << "no " JN_ABI_STAMP_SECTION " section";
  EXPECT_EQ(std::string(plugin.stamp->magic, 8), JN_ABI_STAMP_MAGIC);
  EXPECT_EQ(plugin.stamp->abi_major, static_cast<std::uint32_t>(JN_ABI_MAJOR));
  EXPECT_LE(plugin.stamp->abi_minor, static_cast<std::uint32_t>(JN_ABI_MINOR));
  const jn_plugin &t = table();
  EXPECT_EQ(t.abi_major, plugin.stamp->abi_major) << "the table and the stamp name other ABIs";
  EXPECT_EQ(t.abi_minor, plugin.stamp->abi_minor) << "the table and the stamp name other ABIs";
  EXPECT_GE(t.struct_size, offsetof(jn_plugin, wait_for_changes)) << "a table smaller than 1.0's";
  ASSERT_NE(t.create, nullptr);
  ASSERT_NE(t.destroy, nullptr);
  ASSERT_NE(t.name, nullptr);
  ASSERT_NE(t.version, nullptr);

  ASSERT_TRUE(plugin.manifest.has_value()) << "no " JN_MANIFEST_SECTION " section";
  const auto manifest = nlohmann::json::parse(*plugin.manifest, nullptr, false);
  ASSERT_TRUE(manifest.is_object()) << "the embedded manifest is not a JSON object";
  EXPECT_EQ(manifest.value("name", ""), t.name);
  EXPECT_EQ(manifest.value("version", ""), t.version);
  ASSERT_TRUE(manifest.contains("config_schema") && manifest["config_schema"].is_object())
      << "the manifest carries no config_schema object";
  std::set<std::string> roles;
  for (const auto &role : manifest.value("roles", nlohmann::json::array())) {
    roles.insert(role.get<std::string>());
  }
  EXPECT_EQ(roles.count("source") == 1, is_source())
      << "the manifest's roles and the table disagree";
  EXPECT_EQ(roles.count("sink") == 1, is_sink()) << "the manifest's roles and the table disagree";
  if (is_source()) {
    const auto &s = *t.source;
    EXPECT_GE(s.struct_size, sizeof(jn_source_api));
    EXPECT_TRUE(s.open && s.next && s.acknowledge && s.close) << "a source entry is NULL";
  }
  if (is_sink()) {
    const auto &s = *t.sink;
    EXPECT_GE(s.struct_size, sizeof(jn_sink_api));
    EXPECT_TRUE(s.open && s.write && s.commit && s.close) << "a sink entry is NULL";
  }
  bool entity_declared = false;
  for (const auto &entity : manifest.value("entities", nlohmann::json::array())) {
    const auto name = entity.value("name", "");
    entity_declared = entity_declared || name == "*" || name == spec().entity;
  }
  EXPECT_TRUE(entity_declared) << "the manifest declares neither \"*\" nor " << spec().entity;
}

TEST_F(Conformance, CreateRefusesABadConfigWithAMessage) {
  std::vector<std::string> bad;
  for (const auto &config : spec().invalid_configs) {
    bad.push_back(with_placeholders(config, workdir_, conformance_context().fixture).dump());
  }
  bad.emplace_back("this is not JSON {");
  for (const auto &config : bad) {
    ConnectorUnderTest c(table(), host_);
    const auto result = c.create(config, workdir_);
    EXPECT_EQ(result.status, JN_INVALID_CONFIG)
        << "create gave " << result.describe() << " for the bad config " << config;
    EXPECT_FALSE(result.error.empty()) << "create refused " << config << " without a reason";
    EXPECT_EQ(c.handle(), nullptr);
  }
}

TEST_F(Conformance, CreateDoesNoIo) {
  ConnectorUnderTest c(table(), host_);
  jn_io_watch_arm();
  const auto result = c.create(config_, workdir_);
  char first[512];
  const int calls = jn_io_watch_disarm(first, sizeof first);
  ASSERT_TRUE(result.ok()) << result.describe();
  EXPECT_EQ(calls, 0) << "create opened files or connections, first " << first
                      << " (junction check creates connectors; connect in open instead)";
}

TEST_F(Conformance, SnapshotReturnsEveryLiveRecord) {
  if (!is_source()) GTEST_SKIP() << "not a source";
  auto c = connector();
  ASSERT_TRUE(c);
  if (is_sink()) write_samples(*c);
  if (HasFatalFailure()) return;
  expect_samples_in(read_everything(*c, JN_READ_SNAPSHOT));
}

TEST_F(Conformance, ResumingFromAnyCursorRepeatsAndSkipsNothing) {
  if (!is_source()) GTEST_SKIP() << "not a source";
  auto c = connector();
  ASSERT_TRUE(c);
  if (is_sink()) write_samples(*c);
  if (HasFatalFailure()) return;
  CallResult failure;
  const auto whole = c->read_all(spec().entity, resume_mode(), "", spec().batch_size, failure);
  ASSERT_TRUE(failure.ok()) << failure.describe();
  std::vector<std::string> order;  // identities in the order read
  for (const auto &batch : whole) {
    for (const auto &record : batch.records) order.push_back(identity_of(record, spec().key));
  }
  ASSERT_GE(order.size(), spec().records.size());
  ASSERT_GE(whole.size(), 2U) << "batches of " << spec().batch_size
                              << " should have split the read: set batch_size lower";
  std::size_t before = 0;  // records read up to and including batch i
  for (std::size_t i = 0; i < whole.size(); ++i) {
    before += whole[i].records.size();
    if (whole[i].end && resume_mode() == JN_READ_SNAPSHOT) break;
    const auto resumed =
        c->read_all(spec().entity, resume_mode(), whole[i].cursor, spec().batch_size, failure);
    ASSERT_TRUE(failure.ok()) << "resuming from cursor " << whole[i].cursor << ": "
                              << failure.describe();
    std::vector<std::string> rest;
    for (const auto &batch : resumed) {
      for (const auto &record : batch.records) rest.push_back(identity_of(record, spec().key));
    }
    const std::vector<std::string> expected(order.begin() + static_cast<std::ptrdiff_t>(before),
                                            order.end());
    EXPECT_EQ(rest, expected) << "resumed from the cursor after batch " << i + 1 << " ("
                              << whole[i].cursor << ")";
  }
}

TEST_F(Conformance, SinkGivesOneValidOutcomePerRecord) {
  if (!is_sink()) GTEST_SKIP() << "not a sink";
  auto c = connector();
  ASSERT_TRUE(c);
  OwnedBatch batch(spec().records, spec().key);
  const auto written = c->write(spec().entity, spec().key, *batch.get(), true);
  ASSERT_TRUE(written.open.ok()) << written.open.describe();
  ASSERT_TRUE(written.write.ok()) << written.write.describe();
  EXPECT_TRUE(written.commit.ok()) << written.commit.describe();
  EXPECT_TRUE(written.guard_intact) << "write wrote past the last outcome";
  ASSERT_EQ(written.outcomes.size(), spec().records.size());
  for (std::size_t i = 0; i < written.outcomes.size(); ++i) {
    const auto &outcome = written.outcomes[i];
    EXPECT_TRUE(outcome.status == JN_OK || outcome.status == JN_TRANSIENT ||
                outcome.status == JN_RECORD_REJECTED || outcome.status == JN_STALE)
        << "record " << i + 1 << ": status " << outcome.status << " is not an outcome's";
    EXPECT_LE(outcome.action, static_cast<jn_write_action>(JN_WROTE_UNKNOWN));
    if (outcome.status != JN_OK) {
      EXPECT_FALSE(written.messages[i].empty()) << "record " << i + 1 << " failed without a reason";
    }
    EXPECT_EQ(outcome.status, JN_OK) << "sample record " << i + 1 << ": " << written.messages[i];
  }
}

TEST_F(Conformance, RewritingTheSameBatchChangesNothing) {
  if (!is_sink()) GTEST_SKIP() << "not a sink";
  if (!spec().rewrites_are_idempotent) {
    GTEST_SKIP() << "the spec says every write is a new delivery (rewrites_are_idempotent: false)";
  }
  auto c = connector();
  ASSERT_TRUE(c);
  write_samples(*c);
  if (HasFatalFailure()) return;
  OwnedBatch again(spec().records, spec().key);
  const auto rewritten = c->write(spec().entity, spec().key, *again.get(), true);
  ASSERT_TRUE(rewritten.write.ok()) << rewritten.write.describe();
  ASSERT_TRUE(rewritten.commit.ok()) << rewritten.commit.describe();
  for (std::size_t i = 0; i < rewritten.outcomes.size(); ++i) {
    EXPECT_EQ(rewritten.outcomes[i].status, JN_OK) << rewritten.messages[i];
    EXPECT_NE(rewritten.outcomes[i].action, static_cast<jn_write_action>(JN_WROTE_CREATED))
        << "record " << i + 1 << " was created a second time";
  }
  if (is_source()) expect_samples_in(read_everything(*c, JN_READ_SNAPSHOT));
}

TEST_F(Conformance, CloseWithoutCommitDiscards) {
  if (!is_sink() || !is_source()) GTEST_SKIP() << "needs a source to look with";
  if (!spec().sink_discards_uncommitted) {
    GTEST_SKIP()
        << "the spec says writes are visible before commit (sink_discards_uncommitted: false)";
  }
  auto c = connector();
  ASSERT_TRUE(c);
  OwnedBatch batch(spec().records, spec().key);
  const auto written = c->write(spec().entity, spec().key, *batch.get(), false);
  ASSERT_TRUE(written.write.ok()) << written.write.describe();
  CallResult failure;
  const auto batches = c->read_all(spec().entity, JN_READ_SNAPSHOT, "", 100, failure);
  for (const auto &read : batches) {
    for (const auto &record : read.records) {
      ADD_FAILURE() << "a record written without commit was read: "
                    << identity_of(record, spec().key);
    }
  }
}

// A sink that declares conditional writes (jn_batch.expected) writes a record only while
// the target still holds what the batch expects of it, and otherwise answers JN_STALE
// with a reason and changes nothing.
TEST_F(Conformance, ConditionalWritesLeaveARecordThatChanged) {
  if (!is_sink() || !is_source()) GTEST_SKIP() << "needs a source to look with";
  std::string declared;
  const auto &manifest = conformance_context().plugin.manifest;
  const auto parsed =
      nlohmann::json::parse(manifest.value_or("{}"), nullptr, /*allow_exceptions=*/false);
  for (const auto &e : parsed.value("entities", nlohmann::json::array())) {
    const auto name = e.value("name", std::string());
    if (name == spec().entity || name == "*") declared = e.value("conditional_writes", "");
  }
  if (declared.empty()) GTEST_SKIP() << "the manifest declares no conditional_writes";
  ASSERT_GE(spec().records.size(), 2U);
  // The first field of the first two samples that is not a key field and holds text.
  std::string field;
  for (const auto &[name, value] : spec().records[0].items()) {
    const auto &key = spec().key;
    if (std::find(key.begin(), key.end(), name) != key.end() || !value.is_string()) continue;
    if (spec().records[1].contains(name) && spec().records[1][name].is_string()) {
      field = name;
      break;
    }
  }
  if (field.empty()) GTEST_SKIP() << "the first two samples share no text field besides the key";
  auto c = connector();
  ASSERT_TRUE(c);
  write_samples(*c);
  if (HasFatalFailure()) return;
  std::vector<nlohmann::json> changed = {spec().records[0], spec().records[1]};
  changed[0][field] = "changed by the conformance suite 1";
  changed[1][field] = "changed by the conformance suite 2";
  OwnedBatch batch(changed, spec().key);
  batch.set_expected(0, field, "what the record does not hold");
  batch.set_expected(1, field, spec().records[1][field]);
  const auto written = c->write(spec().entity, spec().key, *batch.get(), true);
  ASSERT_TRUE(written.write.ok()) << written.write.describe();
  ASSERT_TRUE(written.commit.ok()) << written.commit.describe();
  EXPECT_EQ(written.outcomes[0].status, JN_STALE)
      << "a record that does not hold the expected value was written (" << declared << ")";
  EXPECT_FALSE(written.messages[0].empty()) << "a stale record without a reason";
  EXPECT_EQ(written.outcomes[1].status, JN_OK) << written.messages[1];
  std::map<std::string, std::optional<std::string>> now;
  for (const auto &record : read_everything(*c, JN_READ_SNAPSHOT)) {
    const auto value = record.fields.find(field);
    if (value != record.fields.end()) now[identity_of(record, spec().key)] = value->second;
  }
  const auto first = identity_of(spec().records[0], spec().key);
  const auto second = identity_of(spec().records[1], spec().key);
  EXPECT_EQ(now[first].value_or(""), spec().records[0][field].get<std::string>())
      << "the stale record was changed";
  EXPECT_EQ(now[second].value_or(""), "changed by the conformance suite 2");
}

// Whatever a connector is handed, it answers with a status and a reason, never by
// throwing or crashing; a failing status always comes with words.
TEST_F(Conformance, HostileInputIsAnErrorNotACrash) {
  for (const char *config : {"[]", "{}", "null", "{\"entities\": 7}"}) {
    ConnectorUnderTest c(table(), host_);
    const auto result = c.create(config, workdir_);
    if (!result.ok()) {
      EXPECT_FALSE(result.error.empty()) << "create(" << config << ")";
    }
  }
  auto c = connector();
  ASSERT_TRUE(c);
  const std::string unknown = "no-such-entity-\xff";
  if (is_source()) {
    CallResult failure;
    c->read_all(unknown, JN_READ_SNAPSHOT, "", 10, failure, 3);
    EXPECT_FALSE(failure.ok()) << "reading an entity that does not exist succeeded";
    EXPECT_FALSE(failure.error.empty()) << "unknown entity: " << failure.describe();
    for (const char *cursor : {"\x01garbage{", "999999999999999999999999", "{\"a\":"}) {
      c->read_all(spec().entity, resume_mode(), cursor, 10, failure, 3);
      if (!failure.ok()) {
        EXPECT_FALSE(failure.error.empty()) << "cursor " << cursor;
      }
    }
  }
  if (is_sink()) {
    OwnedBatch batch(spec().records, spec().key);
    auto written = c->write(unknown, spec().key, *batch.get(), false);
    EXPECT_FALSE(written.open.ok() && written.write.ok())
        << "writing to an entity that does not exist succeeded";
    // Every value replaced by one of another type, and a null key.
    OwnedBatch odd(spec().records, spec().key);
    for (std::size_t r = 0; r < odd.size(); ++r) {
      for (std::size_t f = 0; f < odd.get()->field_count; ++f) {
        jn_value &v = odd.value(r, f);
        v = jn_value{};
        v.type = r == 0 && f == 0 ? JN_NULL : (f % 2 == 0 ? JN_DOUBLE : JN_TIMESTAMP);
        v.u.f64 = 1e300;
        if (v.type == JN_TIMESTAMP) v.u.i64 = INT64_MAX;
      }
    }
    written = c->write(spec().entity, spec().key, *odd.get(), false);
    EXPECT_TRUE(written.guard_intact);
    if (!written.write.ok()) {
      EXPECT_FALSE(written.write.error.empty()) << "odd values";
    }
    for (std::size_t i = 0; written.write.ok() && i < written.outcomes.size(); ++i) {
      const auto &outcome = written.outcomes[i];
      EXPECT_TRUE(outcome.status == JN_OK || outcome.status == JN_TRANSIENT ||
                  outcome.status == JN_RECORD_REJECTED);
      if (outcome.status != JN_OK) {
        EXPECT_FALSE(written.messages[i].empty());
      }
    }
  }
  const jn_str entity{unknown.data(), unknown.size()};
  if (table().struct_size > offsetof(jn_plugin, describe_fields) && table().describe_fields) {
    jn_field_list fields{};
    fields.struct_size = sizeof fields;
    const auto status = table().describe_fields(c->handle(), entity, &fields);
    const auto error = host_.take_error();
    if (status != JN_OK) {
      EXPECT_FALSE(error.empty()) << "describe_fields of an unknown entity";
    }
  }
  if (table().struct_size > offsetof(jn_plugin, webhook) && table().webhook) {
    const std::string method = "POST", url = "http://127.0.0.1/hooks/x";
    const std::string body("\x00{]", 3);  // a NUL byte, then broken JSON
    jn_webhook_request request{};
    request.struct_size = sizeof request;
    request.method = {method.data(), method.size()};
    request.url = {url.data(), url.size()};
    request.body = {body.data(), body.size()};
    jn_webhook_result out{};
    out.struct_size = sizeof out;
    EXPECT_EQ(table().webhook(c->handle(), &request, &out), JN_RECORD_REJECTED)
        << "an unsigned webhook with a broken body was accepted";
    EXPECT_FALSE(host_.take_error().empty());
  }
}

// A thread that runs what it is given, one call at a time, until destroyed.
class Worker {
 public:
  Worker() : thread_([this] { loop(); }) {}
  Worker(const Worker &) = delete;
  Worker &operator=(const Worker &) = delete;
  ~Worker() {
    {
      const std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  // Runs fn on this worker's thread and waits for it.
  void run(const std::function<void()> &fn) {
    std::unique_lock lock(mutex_);
    task_ = &fn;
    wake_.notify_all();
    wake_.wait(lock, [this] { return task_ == nullptr; });
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return stop_ || task_ != nullptr; });
      if (task_ == nullptr) return;
      (*task_)();
      task_ = nullptr;
      wake_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  const std::function<void()> *task_ = nullptr;
  bool stop_ = false;
  std::thread thread_;
};

// The host calls an object from one thread at a time, not always the same one: here two
// threads, both alive throughout, take turns, so no call runs on the thread of the last.
TEST_F(Conformance, CallsFromAnotherThreadWork) {
  Worker first, second;
  bool on_first = false;
  const auto on_next_thread = [&](const std::function<void()> &fn) {
    on_first = !on_first;
    (on_first ? first : second).run(fn);
  };
  ConnectorUnderTest c(table(), host_);
  CallResult created;
  on_next_thread([&] { created = c.create(config_, workdir_); });
  ASSERT_TRUE(created.ok()) << created.describe();
  if (is_sink()) {
    OwnedBatch batch(spec().records, spec().key);
    jn_sink_request request{};
    std::vector<jn_str> key;
    for (const auto &name : spec().key) key.push_back({name.data(), name.size()});
    const std::string run_id = "conformance-threads";
    request.struct_size = sizeof request;
    request.key_count = static_cast<std::uint32_t>(key.size());
    request.entity = {spec().entity.data(), spec().entity.size()};
    request.key_fields = key.data();
    request.run_id = {run_id.data(), run_id.size()};
    void *sink = nullptr;
    jn_status status = JN_FATAL;
    on_next_thread([&] { status = table().sink->open(c.handle(), &request, &sink); });
    ASSERT_EQ(status, JN_OK) << host_.take_error();
    std::vector<jn_outcome> outcomes(batch.size());
    on_next_thread([&] { status = table().sink->write(sink, batch.get(), outcomes.data()); });
    EXPECT_EQ(status, JN_OK) << host_.take_error();
    on_next_thread([&] { status = table().sink->commit(sink); });
    EXPECT_EQ(status, JN_OK) << host_.take_error();
    on_next_thread([&] { table().sink->close(sink); });
  }
  if (is_source()) {
    jn_source_request request{};
    request.struct_size = sizeof request;
    request.mode = JN_READ_SNAPSHOT;
    request.entity = {spec().entity.data(), spec().entity.size()};
    request.batch_size = spec().batch_size;
    void *source = nullptr;
    jn_status status = JN_FATAL;
    on_next_thread([&] { status = table().source->open(c.handle(), &request, &source); });
    ASSERT_EQ(status, JN_OK) << host_.take_error();
    std::vector<ReadRecord> records;
    for (int i = 0; i < 10000; ++i) {
      jn_source_batch out{};
      out.struct_size = sizeof out;
      on_next_thread([&] {
        status = table().source->next(source, &out);
        if (status == JN_OK) {
          for (auto &record : read_records(out.batch)) records.push_back(std::move(record));
        }
      });
      ASSERT_EQ(status, JN_OK) << host_.take_error();
      if (out.end != 0) break;
    }
    on_next_thread([&] { table().source->close(source); });
    if (is_sink()) expect_samples_in(records);
  }
  on_next_thread([&] { c.destroy(); });
}

}  // namespace
}  // namespace junction::testkit
