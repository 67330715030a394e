#include "plugin_file.hpp"

#include <dlfcn.h>
#include <elf.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

namespace junction::testkit {
namespace {

// Copies a T from bytes[offset], false when it would run past the end.
template <typename T>
bool read_at(const std::string &bytes, std::uint64_t offset, T &out) {
  if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) return false;
  std::memcpy(&out, bytes.data() + offset, sizeof(T));
  return true;
}

// Section contents by name, from a 64-bit ELF file held in memory.
bool find_section(const std::string &bytes, const std::string &wanted, std::string &contents) {
  Elf64_Ehdr header{};
  if (!read_at(bytes, 0, header) || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
      header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_shentsize != sizeof(Elf64_Shdr)) {
    return false;
  }
  Elf64_Shdr names{};
  if (!read_at(bytes, header.e_shoff + std::uint64_t{header.e_shstrndx} * sizeof(Elf64_Shdr),
               names)) {
    return false;
  }
  for (std::uint16_t i = 0; i < header.e_shnum; ++i) {
    Elf64_Shdr section{};
    if (!read_at(bytes, header.e_shoff + std::uint64_t{i} * sizeof(Elf64_Shdr), section)) {
      return false;
    }
    const std::uint64_t name_at = names.sh_offset + section.sh_name;
    if (name_at >= bytes.size()) continue;
    const char *name = bytes.data() + name_at;
    const std::size_t room = bytes.size() - name_at;
    if (strnlen(name, room) == room || wanted != name) continue;
    if (section.sh_offset > bytes.size() || bytes.size() - section.sh_offset < section.sh_size) {
      return false;
    }
    contents.assign(bytes, section.sh_offset, section.sh_size);
    return true;
  }
  return false;
}

}  // namespace

std::optional<PluginFile> load_plugin_file(const std::string &path, std::string &why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = "cannot read " + path;
    return std::nullopt;
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  PluginFile plugin;
  plugin.path = path;
  std::string section;
  if (find_section(bytes, JN_ABI_STAMP_SECTION, section) &&
      section.size() >= sizeof(jn_abi_stamp)) {
    jn_abi_stamp stamp{};
    std::memcpy(&stamp, section.data(), sizeof stamp);
    plugin.stamp = stamp;
  }
  if (find_section(bytes, JN_MANIFEST_SECTION, section)) {
    plugin.manifest = section.substr(0, section.find('\0'));
  }
  plugin.library = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (plugin.library == nullptr) {
    why = std::string("cannot load: ") + ::dlerror();
    return std::nullopt;
  }
  auto *entry = reinterpret_cast<jn_entry_fn>(::dlsym(plugin.library, JN_ENTRY_SYMBOL));
  if (entry == nullptr) {
    why = path + " does not export " JN_ENTRY_SYMBOL;
    return std::nullopt;
  }
  plugin.table = entry(JN_ABI_MAJOR, JN_ABI_MINOR);
  if (plugin.table == nullptr) {
    why = JN_ENTRY_SYMBOL " returned no table for ABI " + std::to_string(JN_ABI_MAJOR) + "." +
          std::to_string(JN_ABI_MINOR);
    return std::nullopt;
  }
  return plugin;
}

}  // namespace junction::testkit
