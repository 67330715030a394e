#include "plugin/catalog.hpp"

#include <grp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "plugin/elf_sections.hpp"
#include "temp_dir.hpp"
#include "test_paths.hpp"

namespace junction::plugin {
namespace {

namespace fs = std::filesystem;

void copy_plugin(const std::string &name, const fs::path &to) {
  fs::copy_file(testing::test_plugin_dir() / name, to, fs::copy_options::overwrite_existing);
}

std::string reason_for(const Catalog &catalog, const fs::path &file) {
  for (const auto &r : catalog.refusals) {
    if (r.path == file) return r.reason;
  }
  return "(not refused)";
}

// Packages strip their libraries: .symtab goes, the dynamic symbols the loader uses stay.
TEST(Catalog, AcceptsAStrippedPlugin) {
  testing::TempDir dir;
  copy_plugin("memory.so", dir / "memory.so");
  const std::string strip = "strip --strip-all '" + (dir / "memory.so").string() + "'";
  ASSERT_EQ(std::system(strip.c_str()), 0);
  std::string why;
  const auto symtab = read_elf_sections(dir / "memory.so", {".symtab"}, why);
  ASSERT_TRUE(symtab.has_value()) << why;
  ASSERT_TRUE(symtab->contents.empty()) << "strip left the symbol table";
  const auto catalog = scan_plugin_dirs({{dir.path(), true}});
  EXPECT_TRUE(catalog.refusals.empty()) << catalog.refusals.front().to_string();
  EXPECT_NE(catalog.find("memory"), nullptr);
}

TEST(Catalog, ReadsManifestsOfGoodPlugins) {
  testing::TempDir dir;
  copy_plugin("memory.so", dir / "memory.so");
  const auto catalog = scan_plugin_dirs({{dir.path(), true}});
  ASSERT_TRUE(catalog.refusals.empty()) << catalog.refusals.front().to_string();
  const PluginFile *memory = catalog.find("memory");
  ASSERT_NE(memory, nullptr);
  EXPECT_EQ(memory->manifest.version, "1.0.0");
  EXPECT_EQ(memory->manifest.abi_text(), "1.2");
  EXPECT_EQ(memory->manifest.roles_text(), "source, sink");
  ASSERT_EQ(memory->manifest.entities.size(), 1U);
  EXPECT_NE(memory->manifest.find_entity("contacts"), nullptr);  // "*" offers any entity
  EXPECT_TRUE(memory->manifest.config_schema.contains("properties"));
}

TEST(Catalog, RefusesEachBrokenFileWithItsReason) {
  testing::TempDir dir;
  for (const char *name :
       {"abi-next.so", "bad-schema.so", "no-entry.so", "not-a-plugin.so", "memory.so"}) {
    copy_plugin(name, dir / name);
  }
  dir.write("notes.so", "this is a text file\n");
  const auto catalog = scan_plugin_dirs({{dir.path(), true}});
  ASSERT_EQ(catalog.plugins.size(), 1U);
  EXPECT_EQ(catalog.refusals.size(), 5U);
  EXPECT_EQ(reason_for(catalog, dir / "abi-next.so"),
            "wrong ABI: built for ABI 2.0, this host speaks ABI 1.2 (major versions must be "
            "equal)");
  EXPECT_EQ(reason_for(catalog, dir / "bad-schema.so").substr(0, 62),
            "invalid manifest: /config_schema is not a usable JSON Schema: ");
  EXPECT_EQ(reason_for(catalog, dir / "no-entry.so"),
            "not a plugin: no exported junction_plugin_entry symbol");
  EXPECT_EQ(reason_for(catalog, dir / "not-a-plugin.so").substr(0, 45),
            "not a plugin: no .junction_abi section (a plu");
  EXPECT_EQ(reason_for(catalog, dir / "notes.so"), "not a plugin: not an ELF shared library");
}

TEST(Catalog, RefusesTheSecondPluginOfTheSameName) {
  testing::TempDir first;
  testing::TempDir second;
  copy_plugin("memory.so", first / "memory.so");
  copy_plugin("memory.so", second / "memory-copy.so");
  const auto catalog = scan_plugin_dirs({{first.path(), true}, {second.path(), true}});
  ASSERT_EQ(catalog.plugins.size(), 1U);
  EXPECT_EQ(catalog.plugins[0].path, first / "memory.so");
  EXPECT_EQ(
      reason_for(catalog, second / "memory-copy.so"),
      "duplicate plugin name 'memory': already provided by " + (first / "memory.so").string());
}

// One directory named three ways, and a link to a plugin file in another: each plugin
// is found once, nothing is a duplicate of itself.
TEST(Catalog, ADirectoryOrFileReachedTwiceIsScannedOnce) {
  testing::TempDir dir;
  testing::TempDir links;
  copy_plugin("memory.so", dir / "memory.so");
  fs::create_symlink(dir / "memory.so", links / "memory-link.so");
  const auto catalog = scan_plugin_dirs({{dir.path(), true},
                                         {dir.path().string() + "/", true},
                                         {dir / ".." / dir.path().filename(), false},
                                         {links.path(), true}});
  EXPECT_TRUE(catalog.refusals.empty()) << catalog.refusals.front().to_string();
  EXPECT_EQ(catalog.plugins.size(), 1U);
}

// What the catalog says of `file` when an unprivileged user scans `dir`: root reads every
// file, so a root test process looks through a child that became "nobody".
std::string reason_for_nobody(const fs::path &dir, const fs::path &file) {
  if (::geteuid() != 0) return reason_for(scan_plugin_dirs({{dir, true}}), file);
  int out[2];
  if (::pipe(out) != 0) return "(no pipe)";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(out[0]);
    constexpr uid_t nobody = 65534;
    if (::setgroups(0, nullptr) != 0 || ::setgid(nobody) != 0 || ::setuid(nobody) != 0) {
      ::_exit(3);
    }
    const std::string reason = reason_for(scan_plugin_dirs({{dir, true}}), file);
    const auto written = ::write(out[1], reason.data(), reason.size());
    ::_exit(written == static_cast<ssize_t>(reason.size()) ? 0 : 4);
  }
  ::close(out[1]);
  std::string reason;
  char buffer[256];
  for (ssize_t n = 0; (n = ::read(out[0], buffer, sizeof buffer)) > 0;) reason.append(buffer, n);
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "(the unprivileged child failed)";
  return reason;
}

TEST(Catalog, RefusesAnUnreadableFile) {
  testing::TempDir dir;
  copy_plugin("memory.so", dir / "memory.so");
  fs::permissions(dir / "memory.so", fs::perms::none);
  // The folder stays open to others: only the file is unreadable.
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
  EXPECT_EQ(reason_for_nobody(dir.path(), dir / "memory.so"), "unreadable file: Permission denied");
}

TEST(Catalog, ReportsAMissingRequiredDirectoryAndSkipsAnOptionalOne) {
  const auto catalog =
      scan_plugin_dirs({{"/nonexistent/plugins", true}, {"/nonexistent/x", false}});
  ASSERT_EQ(catalog.refusals.size(), 1U);
  EXPECT_EQ(catalog.refusals[0].to_string(),
            "/nonexistent/plugins: plugin directory does not exist");
}

}  // namespace
}  // namespace junction::plugin
