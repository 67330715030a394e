#include "plugin/elf_sections.hpp"

#include <elf.h>

#include <cstring>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "temp_dir.hpp"
#include "test_paths.hpp"

namespace junction::plugin {
namespace {

std::string read_header_of(const std::filesystem::path &file, std::size_t bytes) {
  return testing::read_file(file).substr(0, bytes);
}

TEST(ElfSections, ReadsTheManifestSectionOfABuiltPlugin) {
  std::string why;
  auto sections =
      read_elf_sections(testing::test_plugin_dir() / "memory.so", {".junction_manifest"}, why);
  ASSERT_TRUE(sections) << why;
  const auto &text = sections->contents.at(".junction_manifest");
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\0');  // the embedded text is NUL-terminated
  EXPECT_EQ(nlohmann::json::parse(text.c_str())["name"], "memory") << text;
}

TEST(ElfSections, ReportsAMissingFile) {
  std::string why;
  EXPECT_FALSE(read_elf_sections("/nonexistent/x.so", {".junction_manifest"}, why));
  EXPECT_EQ(why, "unreadable file: No such file or directory");
}

TEST(ElfSections, RefusesTextAndEmptyFiles) {
  testing::TempDir dir;
  std::string why;
  EXPECT_FALSE(read_elf_sections(dir.write("text.so", "hello, world\n"), {"x"}, why));
  EXPECT_EQ(why, "not a plugin: not an ELF shared library");
  EXPECT_FALSE(read_elf_sections(dir.write("empty.so", ""), {"x"}, why));
  EXPECT_EQ(why, "not a plugin: not an ELF shared library");
}

TEST(ElfSections, RefusesATruncatedLibrary) {
  testing::TempDir dir;
  const auto header = read_header_of(testing::test_plugin_dir() / "memory.so", 200);
  std::string why;
  EXPECT_FALSE(read_elf_sections(dir.write("cut.so", header), {".junction_manifest"}, why));
  EXPECT_EQ(why, "not a plugin: damaged ELF section table");
}

TEST(ElfSections, RefusesSectionOffsetsOutsideTheFile) {
  testing::TempDir dir;
  std::string bytes = testing::read_file(testing::test_plugin_dir() / "memory.so");
  Elf64_Ehdr header{};
  std::memcpy(&header, bytes.data(), sizeof header);
  // Point every section far past the end of the file.
  for (std::size_t i = 0; i < header.e_shnum; ++i) {
    Elf64_Shdr section{};
    const std::size_t at = header.e_shoff + i * sizeof section;
    std::memcpy(&section, bytes.data() + at, sizeof section);
    section.sh_offset = 0x7fffffffffffULL;
    std::memcpy(bytes.data() + at, &section, sizeof section);
  }
  std::string why;
  EXPECT_FALSE(read_elf_sections(dir.write("damaged.so", bytes), {".junction_manifest"}, why));
  EXPECT_EQ(why, "not a plugin: damaged ELF section names");
}

TEST(ElfSections, FindsOnlyExportedFunctionsInTheDynamicSymbols) {
  std::string why;
  const auto memory =
      read_elf_sections(testing::test_plugin_dir() / "memory.so", {".dynsym", ".dynstr"}, why);
  ASSERT_TRUE(memory.has_value()) << why;
  EXPECT_TRUE(defines_dynamic_function(*memory, "junction_plugin_entry"));
  EXPECT_FALSE(defines_dynamic_function(*memory, "junction_abi_stamp"))
      << "an object, not a function";
  EXPECT_FALSE(defines_dynamic_function(*memory, "malloc")) << "undefined: imported, not exported";
  const auto no_entry =
      read_elf_sections(testing::test_plugin_dir() / "no-entry.so", {".dynsym", ".dynstr"}, why);
  ASSERT_TRUE(no_entry.has_value()) << why;
  EXPECT_FALSE(defines_dynamic_function(*no_entry, "junction_plugin_entry"));
  EXPECT_FALSE(defines_dynamic_function(ElfSections{}, "junction_plugin_entry"));
}

TEST(ElfSections, FindsNoManifestInAnOrdinaryProgram) {
  std::string why;
  auto sections = read_elf_sections(testing::junction_binary(), {".junction_manifest"}, why);
  // A position-independent executable is ELF like a library; it simply has no manifest.
  if (sections) {
    EXPECT_TRUE(sections->contents.empty());
  }
}

}  // namespace
}  // namespace junction::plugin
