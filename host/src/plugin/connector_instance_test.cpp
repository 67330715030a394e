#include "plugin/connector_instance.hpp"
#include <cstring>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "temp_dir.hpp"
#include "test_paths.hpp"

namespace junction::plugin {
namespace {

std::string text_of(const jn_value &v) {
  return std::string(v.u.text, v.size);
}

class LoadedMemoryPlugin : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog = scan_plugin_dirs({{testing::test_plugin_dir(), true}});
    const PluginFile *file = catalog.find("memory");
    ASSERT_NE(file, nullptr);
    std::string why;
    plugin = load_plugin(*file, why);
    ASSERT_NE(plugin.table, nullptr) << why;
  }
  Catalog catalog;
  LoadedPlugin plugin;
};

TEST_F(LoadedMemoryPlugin, ReadsBatchesWithTypedValuesAndAResumableCursor) {
  const nlohmann::json config = {{"entities",
                                  {{"people",
                                    {{{"id", 1}, {"name", "Ada"}, {"score", 1.5}},
                                     {{"id", 2}, {"name", "Grace"}, {"active", true}},
                                     {{"id", 3}, {"name", nullptr}, {"tags", {"a", "b"}}}}}}}};
  ConnectorInstance connector(plugin, "people-db", config.dump());
  SourceOptions options;
  options.entity = "people";
  options.batch_size = 2;
  options.key_fields = {"id"};
  auto source = connector.open_source(options);

  const jn_source_batch &first = source->next();
  ASSERT_NE(first.batch, nullptr);
  EXPECT_EQ(first.end, 0);
  const jn_batch &b = *first.batch;
  ASSERT_EQ(b.record_count, 2U);
  ASSERT_EQ(b.field_count, 5U);  // active, id, name, score, tags
  EXPECT_EQ(std::string(b.field_names[1].data, b.field_names[1].size), "id");
  ASSERT_EQ(b.key_count, 1U);
  EXPECT_EQ(b.key_fields[0], 1U);
  EXPECT_EQ(b.values[0].type, JN_ABSENT);  // record 1 has no "active"
  EXPECT_EQ(b.values[1].type, JN_INT64);
  EXPECT_EQ(b.values[1].u.i64, 1);
  EXPECT_EQ(text_of(b.values[2]), "Ada");
  EXPECT_EQ(b.values[3].type, JN_DOUBLE);
  EXPECT_EQ(b.values[5].type, JN_BOOL);  // record 2, "active"
  EXPECT_EQ(std::string(b.records[1].origin.data, b.records[1].origin.size), "record 2");
  EXPECT_EQ(std::string(first.cursor.data, first.cursor.size), "2");

  const jn_source_batch &second = source->next();
  EXPECT_EQ(second.end, 1);
  ASSERT_EQ(second.batch->record_count, 1U);
  EXPECT_EQ(second.batch->values[2].type, JN_NULL);
  EXPECT_EQ(second.batch->values[4].type, JN_JSON);
  EXPECT_EQ(text_of(second.batch->values[4]), R"(["a","b"])");

  // A new read from the stored cursor continues after it.
  options.cursor = "2";
  auto resumed = connector.open_source(options);
  EXPECT_EQ(resumed->next().batch->record_count, 1U);
}

TEST_F(LoadedMemoryPlugin, WritesPerRecordOutcomesAndCommits) {
  testing::TempDir dir;
  const nlohmann::json config = {{"dump_to", (dir / "dump.json").string()},
                                 {"reject_keys", {"bad"}}};
  ConnectorInstance connector(plugin, "target", config.dump());
  auto sink = connector.open_sink("contacts", {"id"}, "run-1");

  const jn_str names[] = {{"id", 2}, {"email", 5}};
  const std::uint32_t key_fields[] = {0};
  const jn_record records[] = {
      {JN_OP_UPSERT, 0, JN_TIME_UNKNOWN, {nullptr, 0}, {nullptr, 0}, {nullptr, 0}},
      {JN_OP_UPSERT, 0, JN_TIME_UNKNOWN, {nullptr, 0}, {nullptr, 0}, {nullptr, 0}},
      {JN_OP_UPSERT, 0, JN_TIME_UNKNOWN, {nullptr, 0}, {nullptr, 0}, {nullptr, 0}}};
  jn_value values[6];
  auto text = [](const char *s) {
    jn_value v{JN_STRING, static_cast<std::uint32_t>(std::strlen(s)), {0}};
    v.u.text = s;
    return v;
  };
  values[0] = text("a");
  values[1] = text("a@example.org");
  values[2] = text("bad");
  values[3] = text("bad@example.org");
  values[4] = text("a");
  values[5] = text("a2@example.org");
  const jn_batch batch{sizeof(jn_batch), 2,      names,   1,      key_fields, 3,
                       records,          values, nullptr, nullptr};

  const auto &outcomes = sink->write(batch);
  ASSERT_EQ(outcomes.size(), 3U);
  EXPECT_EQ(outcomes[0].status, JN_OK);
  EXPECT_EQ(outcomes[0].action, JN_WROTE_CREATED);
  EXPECT_EQ(outcomes[1].status, JN_RECORD_REJECTED);
  EXPECT_EQ(std::string(outcomes[1].message.data, outcomes[1].message.size),
            "key bad is on the reject list");
  EXPECT_EQ(outcomes[2].action, JN_WROTE_UPDATED);
  sink->commit();
  const auto dumped = nlohmann::json::parse(testing::read_file(dir / "dump.json"));
  ASSERT_EQ(dumped.size(), 1U);
  EXPECT_EQ(dumped[0]["email"], "a2@example.org");
}

TEST_F(LoadedMemoryPlugin, TurnsAConnectorErrorIntoAStatusAndMessage) {
  ConnectorInstance connector(plugin, "people-db", "{}");
  SourceOptions options;
  options.entity = "missing";
  try {
    connector.open_source(options);
    FAIL() << "expected a CallError";
  } catch (const CallError &e) {
    EXPECT_EQ(e.status(), JN_INVALID_CONFIG);
    EXPECT_STREQ(e.what(),
                 "connector 'people-db' cannot read missing: no records configured for entity "
                 "'missing'");
  }
}

TEST_F(LoadedMemoryPlugin, RefusesToWriteThroughASourceOnlyRoleItLacks) {
  const PluginFile *file = catalog.find("throwing");
  ASSERT_NE(file, nullptr);
  std::string why;
  const LoadedPlugin throwing = load_plugin(*file, why);
  ASSERT_NE(throwing.table, nullptr) << why;
  try {
    ConnectorInstance connector(throwing, "broken", "{}");
    FAIL() << "expected a CallError";
  } catch (const CallError &e) {
    // What a constructor throws is a problem of the config (create does no I/O).
    EXPECT_EQ(e.status(), JN_INVALID_CONFIG);
    EXPECT_STREQ(e.what(),
                 "connector 'broken' could not start: the throwing plugin always fails to start");
  }
}

TEST(SanitizePluginText, ReplacesControlCharactersAndBoundsTheLength) {
  EXPECT_EQ(sanitize_plugin_text("a\nb\x1b[31mc\td"), "a b [31mc\td");
  EXPECT_EQ(sanitize_plugin_text(std::string(10, 'x'), 4), "xxxx...");
}

}  // namespace
}  // namespace junction::plugin
