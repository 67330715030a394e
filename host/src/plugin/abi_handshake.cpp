#include "plugin/abi_handshake.hpp"

#include <cstddef>
#include <cstring>

#include "plugin/manifest.hpp"

namespace junction::plugin {
namespace {

std::string version_text(std::uint32_t major, std::uint32_t minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

// Size of each table as ABI 1.0 defines it; later minors may only append.
constexpr std::size_t plugin_table_v1_0 = offsetof(jn_plugin, sink) + sizeof(void *);
constexpr std::size_t source_api_v1_0 = offsetof(jn_source_api, close) + sizeof(void *);
constexpr std::size_t sink_api_v1_0 = offsetof(jn_sink_api, close) + sizeof(void *);

bool same_text(const char *a, const std::string &b) {
  return a != nullptr && std::strlen(a) == b.size() && b.compare(a) == 0;
}

}  // namespace

std::optional<std::string> check_abi_version(std::uint32_t plugin_major, std::uint32_t plugin_minor,
                                             std::uint32_t host_major, std::uint32_t host_minor) {
  if (plugin_major != host_major) {
    return "wrong ABI: built for ABI " + version_text(plugin_major, plugin_minor) +
           ", this host speaks ABI " + version_text(host_major, host_minor) +
           " (major versions must be equal)";
  }
  if (plugin_minor > host_minor) {
    return "wrong ABI: built for ABI " + version_text(plugin_major, plugin_minor) +
           ", newer than this host's ABI " + version_text(host_major, host_minor) +
           " (upgrade the host)";
  }
  return std::nullopt;
}

std::optional<std::string> check_plugin_table(const jn_plugin *table, const Manifest &manifest) {
  if (table == nullptr) {
    return "wrong ABI: the plugin's entry point returned no table for host ABI " +
           version_text(JN_ABI_MAJOR, JN_ABI_MINOR);
  }
  if (table->struct_size < plugin_table_v1_0) {
    return "wrong ABI: plugin table of " + std::to_string(table->struct_size) +
           " bytes, ABI 1.0 needs at least " + std::to_string(plugin_table_v1_0);
  }
  if (auto wrong = check_abi_version(table->abi_major, table->abi_minor)) return wrong;
  if (table->abi_major != manifest.abi_major || table->abi_minor != manifest.abi_minor) {
    return "wrong ABI: the table says ABI " + version_text(table->abi_major, table->abi_minor) +
           " but the file's stamp says " + manifest.abi_text();
  }
  if (!same_text(table->name, manifest.name) || !same_text(table->version, manifest.version)) {
    return "invalid manifest: the plugin's table names a different plugin or version than its "
           "manifest (" +
           manifest.name + " " + manifest.version + ")";
  }
  if (table->create == nullptr || table->destroy == nullptr) {
    return "wrong ABI: the plugin table lacks create or destroy";
  }
  if ((table->source != nullptr) != manifest.is_source ||
      (table->sink != nullptr) != manifest.is_sink) {
    return "invalid manifest: roles (" + manifest.roles_text() +
           ") differ from what the plugin implements";
  }
  if (const jn_source_api *s = table->source) {
    if (s->struct_size < source_api_v1_0 || !s->open || !s->next || !s->acknowledge || !s->close) {
      return "wrong ABI: incomplete source function table";
    }
  }
  if (const jn_sink_api *s = table->sink) {
    if (s->struct_size < sink_api_v1_0 || !s->open || !s->write || !s->commit || !s->close) {
      return "wrong ABI: incomplete sink function table";
    }
  }
  return std::nullopt;
}

}  // namespace junction::plugin
