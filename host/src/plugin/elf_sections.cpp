#include "plugin/elf_sections.hpp"

#include <elf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

namespace junction::plugin {
namespace {

constexpr std::uint64_t max_section_bytes = std::uint64_t{16} * 1024 * 1024;

bool read_at(std::ifstream &in, std::uint64_t offset, void *out, std::size_t size) {
  in.clear();
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(static_cast<char *>(out), static_cast<std::streamsize>(size));
  return static_cast<std::size_t>(in.gcount()) == size;
}

}  // namespace

std::optional<ElfSections> read_elf_sections(const std::filesystem::path &file,
                                             const std::vector<std::string> &names,
                                             std::string &why) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    why = std::string("unreadable file: ") + std::strerror(errno);
    return std::nullopt;
  }
  std::error_code ec;
  const std::uint64_t file_size = std::filesystem::file_size(file, ec);
  if (ec) {
    why = "unreadable file: " + ec.message();
    return std::nullopt;
  }

  Elf64_Ehdr header{};
  if (!read_at(in, 0, &header, sizeof header) ||
      std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) {
    why = "not a plugin: not an ELF shared library";
    return std::nullopt;
  }
  if (header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_ident[EI_DATA] != ELFDATA2LSB) {
    why = "not a plugin: not a 64-bit little-endian ELF file";
    return std::nullopt;
  }
  if (header.e_type != ET_DYN) {
    why = "not a plugin: not a shared library";
    return std::nullopt;
  }
  const std::uint64_t table_bytes = static_cast<std::uint64_t>(header.e_shnum) * sizeof(Elf64_Shdr);
  if (header.e_shentsize != sizeof(Elf64_Shdr) || header.e_shnum == 0 ||
      header.e_shoff > file_size || table_bytes > file_size - header.e_shoff ||
      header.e_shstrndx >= header.e_shnum) {
    why = "not a plugin: damaged ELF section table";
    return std::nullopt;
  }

  std::vector<Elf64_Shdr> sections(header.e_shnum);
  if (!read_at(in, header.e_shoff, sections.data(), table_bytes)) {
    why = "not a plugin: truncated ELF section table";
    return std::nullopt;
  }

  auto section_bytes = [&](const Elf64_Shdr &s, std::string &out) {
    if (s.sh_type == SHT_NOBITS || s.sh_offset > file_size || s.sh_size > file_size - s.sh_offset ||
        s.sh_size > max_section_bytes) {
      return false;
    }
    out.resize(s.sh_size);
    return read_at(in, s.sh_offset, out.data(), out.size());
  };

  std::string names_table;
  if (!section_bytes(sections[header.e_shstrndx], names_table)) {
    why = "not a plugin: damaged ELF section names";
    return std::nullopt;
  }

  ElfSections result;
  for (const auto &s : sections) {
    if (s.sh_name >= names_table.size()) continue;
    const char *start = names_table.data() + s.sh_name;
    const std::size_t max_len = names_table.size() - s.sh_name;
    const std::string name(start, strnlen(start, max_len));
    if (std::find(names.begin(), names.end(), name) == names.end()) continue;
    std::string bytes;
    if (!section_bytes(s, bytes)) {
      why = "not a plugin: damaged section " + name;
      return std::nullopt;
    }
    result.contents.emplace(name, std::move(bytes));
  }
  return result;
}

bool defines_dynamic_function(const ElfSections &sections, const std::string &name) {
  const auto symbols = sections.contents.find(".dynsym");
  const auto names = sections.contents.find(".dynstr");
  if (symbols == sections.contents.end() || names == sections.contents.end()) return false;
  const std::string &table = symbols->second;
  const std::string &strings = names->second;
  for (std::size_t at = 0; at + sizeof(Elf64_Sym) <= table.size(); at += sizeof(Elf64_Sym)) {
    Elf64_Sym symbol{};
    std::memcpy(&symbol, table.data() + at, sizeof symbol);
    const unsigned binding = ELF64_ST_BIND(symbol.st_info);
    const unsigned visibility = ELF64_ST_VISIBILITY(symbol.st_other);
    if (symbol.st_shndx == SHN_UNDEF || ELF64_ST_TYPE(symbol.st_info) != STT_FUNC ||
        (binding != STB_GLOBAL && binding != STB_WEAK) ||
        (visibility != STV_DEFAULT && visibility != STV_PROTECTED) ||
        symbol.st_name >= strings.size()) {
      continue;
    }
    const char *start = strings.data() + symbol.st_name;
    if (std::string(start, strnlen(start, strings.size() - symbol.st_name)) == name) return true;
  }
  return false;
}

}  // namespace junction::plugin
