#include "plugin/abi_handshake.hpp"

#include <gtest/gtest.h>

#include "plugin/manifest.hpp"

namespace junction::plugin {
namespace {

TEST(AbiVersion, AcceptsTheSameMajorAndAnOlderOrEqualMinor) {
  EXPECT_FALSE(check_abi_version(1, 0, 1, 0));
  EXPECT_FALSE(check_abi_version(1, 2, 1, 3));
}

TEST(AbiVersion, RefusesAnotherMajor) {
  EXPECT_EQ(check_abi_version(2, 0, 1, 0).value_or(""),
            "wrong ABI: built for ABI 2.0, this host speaks ABI 1.0 (major versions must be "
            "equal)");
  EXPECT_TRUE(check_abi_version(0, 9, 1, 0));
}

TEST(AbiVersion, RefusesANewerMinor) {
  EXPECT_EQ(check_abi_version(1, 4, 1, 3).value_or(""),
            "wrong ABI: built for ABI 1.4, newer than this host's ABI 1.3 (upgrade the host)");
}

jn_status noop_create(const jn_host_api *, jn_host_context *, const jn_connector_info *, void **) {
  return JN_OK;
}
void noop_destroy(void *) {}
jn_status noop_open(void *, const jn_sink_request *, void **) {
  return JN_OK;
}
jn_status noop_write(void *, const jn_batch *, jn_outcome *) {
  return JN_OK;
}
jn_status noop_commit(void *) {
  return JN_OK;
}
void noop_close(void *) {}

class PluginTable : public ::testing::Test {
 protected:
  PluginTable() {
    manifest.name = "demo";
    manifest.version = "1.2.3";
    manifest.abi_major = JN_ABI_MAJOR;
    manifest.abi_minor = JN_ABI_MINOR;
    manifest.is_sink = true;
  }
  Manifest manifest;
  jn_sink_api sink{sizeof(jn_sink_api), &noop_open, &noop_write, &noop_commit, &noop_close};
  jn_plugin table{sizeof(jn_plugin), JN_ABI_MAJOR,  JN_ABI_MINOR, "demo", "1.2.3",
                  &noop_create,      &noop_destroy, nullptr,      &sink,  nullptr,
                  nullptr,           nullptr,       nullptr};
};

TEST_F(PluginTable, AcceptsAConsistentTable) {
  EXPECT_FALSE(check_plugin_table(&table, manifest));
}

TEST_F(PluginTable, RefusesANullTable) {
  EXPECT_EQ(check_plugin_table(nullptr, manifest).value_or(""),
            "wrong ABI: the plugin's entry point returned no table for host ABI 1.2");
}

TEST_F(PluginTable, RefusesATooSmallTable) {
  table.struct_size = 16;
  EXPECT_EQ(check_plugin_table(&table, manifest).value_or("").substr(0, 40),
            "wrong ABI: plugin table of 16 bytes, ABI");
}

TEST_F(PluginTable, RefusesATableWhoseAbiDiffersFromTheStamp) {
  table.abi_major = JN_ABI_MAJOR + 1;
  EXPECT_EQ(check_plugin_table(&table, manifest).value_or(""),
            "wrong ABI: built for ABI 2.2, this host speaks ABI 1.2 (major versions must be "
            "equal)");
}

TEST_F(PluginTable, RefusesAnotherNameOrVersion) {
  table.version = "9.9.9";
  EXPECT_EQ(check_plugin_table(&table, manifest).value_or(""),
            "invalid manifest: the plugin's table names a different plugin or version than its "
            "manifest (demo 1.2.3)");
  table.version = nullptr;
  EXPECT_TRUE(check_plugin_table(&table, manifest));
}

TEST_F(PluginTable, RefusesRolesTheManifestDoesNotDeclare) {
  manifest.is_source = true;
  EXPECT_EQ(check_plugin_table(&table, manifest).value_or(""),
            "invalid manifest: roles (source, sink) differ from what the plugin implements");
}

TEST_F(PluginTable, RefusesAnIncompleteSinkTable) {
  sink.commit = nullptr;
  EXPECT_EQ(check_plugin_table(&table, manifest).value_or(""),
            "wrong ABI: incomplete sink function table");
}

TEST_F(PluginTable, RefusesMissingCreate) {
  table.create = nullptr;
  EXPECT_EQ(check_plugin_table(&table, manifest).value_or(""),
            "wrong ABI: the plugin table lacks create or destroy");
}

}  // namespace
}  // namespace junction::plugin
