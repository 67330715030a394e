// What the CSV sink must never do: replace a file an earlier run delivered, write through a
// symbolic link, or append rows under a header that names other columns.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <junction/errors.hpp>

#include "csv_settings.hpp"
#include "csv_sink.hpp"
#include "fake_host.hpp"
#include "temp_dir.hpp"

namespace junction::csv {
namespace {

using junction::testing::read_file;
using junction::testing::TempDir;

EntitySettings output(const TempDir &dir, const std::string &file_name, bool append) {
  EntitySettings s;
  s.name = "contacts";
  s.output_dir = dir.path().string();
  s.file_name = file_name;
  s.append = append;
  return s;
}

// Writes one record {id, name} and commits; throws what the sink throws.
void write_one(const EntitySettings &settings, const std::string &run, const std::string &id) {
  testing::FakeHost fake;
  CsvSink sink(settings, SinkRequest{"contacts", {"id"}, run}, fake.host());
  BatchBuilder builder;
  builder.set_fields({"id", "name"});
  const auto row = builder.add_record();
  builder.set(row, 0, Value::string(id));
  builder.set(row, 1, Value::string("Ada"));
  std::vector<jn_outcome> raw(1);
  std::deque<std::string> texts;
  Outcomes outcomes(raw.data(), 1, texts);
  sink.write(BatchView(*builder.batch()), outcomes);
  sink.commit();
}

Settings settings_from(const std::string &json) {
  return read_settings(nlohmann::json::parse(json), [](const std::string &p) { return p; });
}

TEST(CsvSinkSafety, AFilePerRunNameWithoutTheRunIsRefused) {
  try {
    settings_from(R"({"entities": {"contacts": {"file_name": "contacts.csv"}}})");
    FAIL() << "accepted a fixed file name";
  } catch (const ConfigError &e) {
    EXPECT_NE(std::string(e.what()).find("must contain {run}"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(settings_from(R"({"entities": {"c": {"file_name": "c-{run}.csv"}}})"));
  EXPECT_NO_THROW(
      settings_from(R"({"entities": {"c": {"file_name": "c.csv", "mode": "append"}}})"));
}

TEST(CsvSinkSafety, CommitNeverReplacesAnExistingFile) {
  TempDir dir;
  const auto earlier = dir.write("contacts-r1.csv", "id,name\n7,delivered earlier\n");
  EXPECT_THROW(write_one(output(dir, "contacts-{run}.csv", false), "r1", "1"), FatalError);
  EXPECT_EQ(read_file(earlier), "id,name\n7,delivered earlier\n");
  // No temporary file is left behind either.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto &e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1U);
}

TEST(CsvSinkSafety, ARunRemovesTheTemporaryFilesOfUnfinishedRunsOfItsEntity) {
  TempDir dir;
  const auto leftover = dir.write(".contacts-r0.csv.tmp", "id,name\n1,half");
  const auto other_entity = dir.write(".invoices-r0.csv.tmp", "x");
  const auto not_temporary = dir.write("contacts-r0.csv", "id,name\n");
  write_one(output(dir, "{entity}-{run}.csv", false), "r1", "1");
  EXPECT_FALSE(std::filesystem::exists(leftover));
  EXPECT_TRUE(std::filesystem::exists(other_entity));
  EXPECT_TRUE(std::filesystem::exists(not_temporary));
  EXPECT_TRUE(std::filesystem::exists(dir / "contacts-r1.csv"));
}

TEST(CsvSinkSafety, AppendRefusesASymbolicLink) {
  TempDir dir;
  const auto victim = dir.write("elsewhere/passwd", "root:x:0:0\n");
  ASSERT_EQ(::symlink(victim.c_str(), (dir / "contacts.csv").c_str()), 0);
  EXPECT_THROW(write_one(output(dir, "contacts.csv", true), "r1", "1"), FatalError);
  EXPECT_EQ(read_file(victim), "root:x:0:0\n");
}

TEST(CsvSinkSafety, AppendRefusesWhatIsNotARegularFile) {
  TempDir dir;
  std::filesystem::create_directory(dir / "contacts.csv");
  EXPECT_THROW(write_one(output(dir, "contacts.csv", true), "r1", "1"), Error);
  EXPECT_TRUE(std::filesystem::is_directory(dir / "contacts.csv"));
}

TEST(CsvSinkSafety, AppendWritesAHeaderOnceAndRefusesOtherColumns) {
  TempDir dir;
  const auto settings = output(dir, "contacts.csv", true);
  write_one(settings, "r1", "1");
  write_one(settings, "r2", "2");
  EXPECT_EQ(read_file(dir / "contacts.csv"), "id,name\n1,Ada\n2,Ada\n");

  const auto other = dir.write("other.csv", "id,email\n9,x@example.org\n");
  EXPECT_THROW(write_one(output(dir, "other.csv", true), "r3", "3"), FatalError);
  EXPECT_EQ(read_file(other), "id,email\n9,x@example.org\n");
}

}  // namespace
}  // namespace junction::csv

namespace junction::csv {
namespace {

// What waiting cannot fix stops the run with the system's reason; the rest is retried.
TEST(OsErrors, AFullDiskOrAPermissionIsFatalAndAnInterruptionTransient) {
  for (const int fatal : {ENOSPC, EDQUOT, EACCES, EPERM, EROFS, EISDIR}) {
    try {
      throw_os_error("cannot write out.csv", fatal);
    } catch (const FatalError &e) {
      EXPECT_EQ(std::string(e.what()),
                "cannot write out.csv: " + std::string(std::strerror(fatal)) +
                    " (not retried: waiting does not change it)");
      continue;
    } catch (...) {
    }
    ADD_FAILURE() << "errno " << fatal << " was not fatal";
  }
  for (const int transient : {EINTR, EMFILE, EIO, EAGAIN}) {
    EXPECT_THROW(throw_os_error("cannot write out.csv", transient), TransientError) << transient;
  }
}

// A real one: the kernel's "no space left" from /dev/full, through the same helper the
// sink uses for its writes.
TEST(OsErrors, WritingToAFullDeviceStopsTheRunWithTheSystemsReason) {
  const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  const char byte = 'x';
  const ssize_t n = ::write(fd, &byte, 1);
  const int error_number = errno;
  ::close(fd);
  ASSERT_LT(n, 0);
  EXPECT_THROW(throw_os_error("cannot write /dev/full", error_number), FatalError);
}

}  // namespace
}  // namespace junction::csv
