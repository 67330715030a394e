// The rules under which the host accepts a plugin's ABI, before and after loading it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <junction/abi.h>

namespace junction::plugin {

struct Manifest;

// Same major; the plugin's minor not newer than the host's. Returns the refusal reason.
std::optional<std::string> check_abi_version(std::uint32_t plugin_major, std::uint32_t plugin_minor,
                                             std::uint32_t host_major = JN_ABI_MAJOR,
                                             std::uint32_t host_minor = JN_ABI_MINOR);

// Checks the table returned by the entry point against the ABI and the manifest.
std::optional<std::string> check_plugin_table(const jn_plugin *table, const Manifest &manifest);

}  // namespace junction::plugin
