// Reads named sections of an ELF shared library without loading it, so the host can learn
// what a file is before running any of its code. Every offset is bounds-checked: plugin
// files are untrusted input.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace junction::plugin {

struct ElfSections {
  // Section contents by name, for the sections asked for that exist.
  std::map<std::string, std::string> contents;
};

// Returns the requested sections, or std::nullopt with `why` set when the file cannot be
// read or is not a 64-bit little-endian ELF file.
std::optional<ElfSections> read_elf_sections(const std::filesystem::path &file,
                                             const std::vector<std::string> &names,
                                             std::string &why);

// Whether the sections ".dynsym" and ".dynstr" (read above) define `name` as an exported
// function: global or weak, default or protected visibility. The dynamic symbol table is
// what the loader uses, and it survives stripping, which removes ".symtab".
bool defines_dynamic_function(const ElfSections &sections, const std::string &name);

}  // namespace junction::plugin
