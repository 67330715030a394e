#include "engine/source_fingerprint.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace junction::engine {
namespace {

struct Row {
  Operation op = Operation::upsert;
  std::vector<Value> values;
};

std::uint64_t fingerprint_of(const SourceFingerprint &fingerprints,
                             const std::vector<std::string> &columns, const Row &row) {
  BatchBuilder builder;
  builder.set_fields(columns);
  const auto r = builder.add_record(row.op);
  for (std::size_t f = 0; f < row.values.size(); ++f) builder.set(r, f, row.values[f]);
  const BatchView batch(*builder.batch());
  return fingerprints.of(batch.record(r), batch);
}

TEST(SourceFingerprint, ChangesWithEveryPartOfTheRecordAndOfTheFlow) {
  const std::vector<std::string> columns{"id", "email"};
  const SourceFingerprint flow("load", R"({"mapping":{"e":{"from":"email"}}})", "1.0.0");
  const Row row{Operation::upsert, {Value::string("7"), Value::string("a@x")}};
  const std::uint64_t base = fingerprint_of(flow, columns, row);
  EXPECT_NE(base, 0U);
  EXPECT_EQ(fingerprint_of(flow, columns, row), base) << "the same record reads the same";

  std::set<std::uint64_t> seen{base};
  const auto distinct = [&](std::uint64_t f, const char *what) {
    EXPECT_TRUE(seen.insert(f).second) << what;
  };
  distinct(fingerprint_of(flow, columns,
                          {Operation::upsert, {Value::string("7"), Value::string("b@x")}}),
           "a value");
  distinct(fingerprint_of(flow, columns, {Operation::upsert, {Value::string("7"), Value::null()}}),
           "a value becoming null");
  distinct(fingerprint_of(flow, columns, {Operation::upsert, {Value::string("7")}}),
           "a value becoming absent");
  distinct(
      fingerprint_of(flow, columns, {Operation::upsert, {Value::int64(7), Value::string("a@x")}}),
      "a value's type");
  distinct(fingerprint_of(flow, columns, {Operation::remove, row.values}), "the operation");
  distinct(fingerprint_of(flow, {"id", "mail"}, row), "a field's name");
  distinct(fingerprint_of(flow, columns,
                          {Operation::upsert, {Value::string("7a"), Value::string("@x")}}),
           "where one value ends and the next begins");
  const SourceFingerprint remapped(
      "load", R"({"mapping":{"e":{"from":"email","transform":["lower"]}}})", "1.0.0");
  distinct(fingerprint_of(remapped, columns, row), "the flow's definition");
  const SourceFingerprint upgraded("load", R"({"mapping":{"e":{"from":"email"}}})", "1.0.1");
  distinct(fingerprint_of(upgraded, columns, row), "the host's version");
}

TEST(SourceFingerprint, TellsWhichFlowMadeIt) {
  const std::vector<std::string> columns{"id"};
  const Row row{Operation::upsert, {Value::string("7")}};
  const SourceFingerprint flow("load", "{}", "1.0.0");
  const SourceFingerprint redefined("load", R"({"batch_size":10})", "1.0.0");
  const SourceFingerprint other("export", "{}", "1.0.0");
  EXPECT_TRUE(flow.made_here(fingerprint_of(redefined, columns, row)))
      << "a flow's own fingerprints, whatever its definition was";
  EXPECT_FALSE(flow.made_here(fingerprint_of(other, columns, row)));
  EXPECT_FALSE(other.made_here(fingerprint_of(flow, columns, row)));
}

}  // namespace
}  // namespace junction::engine
