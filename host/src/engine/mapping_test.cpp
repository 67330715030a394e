#include "engine/mapping.hpp"

#include <gtest/gtest.h>

#include "engine/record_hash.hpp"
#include "engine/record_text.hpp"

namespace junction::engine {
namespace {

using json = nlohmann::json;

config::FlowConfig flow_with(const json &definition) {
  config::FlowConfig flow;
  flow.name = "f";
  flow.pointer = "/flows/0";
  flow.definition = definition;
  flow.from.key = {"id"};
  if (definition.contains("to") && definition["to"].contains("key")) {
    flow.to.key = definition["to"]["key"].get<std::vector<std::string>>();
  }
  return flow;
}

class MappingTest : public ::testing::Test {
 protected:
  void source(const std::vector<std::string> &fields,
              const std::vector<std::vector<std::optional<std::string>>> &rows) {
    in_.clear();
    in_.set_fields(fields);
    for (const auto &row : rows) {
      const auto r = in_.add_record();
      for (std::size_t f = 0; f < row.size(); ++f) {
        in_.set(r, f, row[f] ? Value::string(*row[f]) : Value::null());
      }
    }
  }
  // Maps record `index`; returns the problem or the mapped record as JSON.
  json map(Mapping &m, std::size_t index = 0) {
    const BatchView in(*in_.batch());
    m.bind(in);
    out_.clear();
    out_.set_fields(m.target_fields(in));
    const auto row = out_.add_record();
    if (auto problem = m.apply(in.record(index), out_, row)) return *problem;
    const BatchView out(*out_.batch());
    return record_json(out.record(row), out);
  }
  bool accepts(Mapping &m, std::size_t index) {
    const BatchView in(*in_.batch());
    m.bind(in);
    return m.accepts(in.record(index));
  }
  BatchBuilder in_;
  BatchBuilder out_;
  config::Diagnostics problems_;
};

TEST_F(MappingTest, RenamesConvertsAndAddsConstants) {
  auto m = Mapping::compile(
      flow_with(
          {{"mapping",
            {{"external_id", {{"from", "id"}, {"type", "integer"}}},
             {"email", {{"from", "Email"}, {"transform", {"normalize_email"}}}},
             {"level", {{"from", "Lvl"}, {"values", {{"G", "Gold"}}}, {"values_default", "Other"}}},
             {"source", {{"const", "export"}}},
             {"joined", {{"from", "Joined"}, {"type", "date"}, {"format", "%d/%m/%Y"}}}}}}),
      "f.json", problems_);
  ASSERT_TRUE(problems_.empty());
  EXPECT_EQ(m.target_key(), std::vector<std::string>{"external_id"});
  source({"id", "Email", "Lvl", "Joined"},
         {{"7", " Ada@Example.org", "G", "05/03/2021"}, {"8", "b@example.org", "X", "06/03/2021"}});
  EXPECT_EQ(map(m, 0), json({{"email", "ada@example.org"},
                             {"external_id", 7},
                             {"joined", "2021-03-05"},
                             {"level", "Gold"},
                             {"source", "export"}}));
  EXPECT_EQ(map(m, 1)["level"], "Other");
}

TEST_F(MappingTest, RequiredDefaultsAndLengths) {
  auto m = Mapping::compile(
      flow_with(
          {{"mapping",
            {{"id", {{"from", "id"}}},
             {"email", {{"from", "Email"}, {"transform", {"trim"}}, {"required", true}}},
             {"country", {{"from", "Country"}, {"default", "GB"}}},
             {"name", {{"from", "Name"}, {"max_length", 3}}},
             {"short", {{"from", "Name"}, {"max_length", 3}, {"on_too_long", "truncate"}}}}}}),
      "f.json", problems_);
  source({"id", "Email", "Country", "Name"}, {{"1", "a@b.org", std::nullopt, "Zoë"},
                                              {"2", "   ", "FR", "Zo"},
                                              {"3", "c@d.org", "", "Zoëy"}});
  EXPECT_EQ(map(m, 0)["country"], "GB");
  EXPECT_EQ(map(m, 1), json("'email' is required, but source field 'Email' is empty"));
  EXPECT_EQ(map(m, 2), json("'name' is 4 characters long, more than the 3 allowed (from source "
                            "field 'Name')"));
}

TEST_F(MappingTest, SensitiveValuesAreNotQuotedInProblems) {
  auto m = Mapping::compile(
      flow_with({{"mapping",
                  {{"id", {{"from", "id"}}},
                   {"iban", {{"from", "Iban"}, {"type", "integer"}, {"sensitive", true}}}}}}),
      "f.json", problems_);
  source({"id", "Iban"}, {{"1", "GB29NWBK60161331926819"}});
  EXPECT_EQ(map(m), json("'iban': the value from source field 'Iban' is not a whole number"));
  EXPECT_EQ(m.sensitive_sources(), std::set<std::string>{"Iban"});
}

TEST_F(MappingTest, StrictLookupsRejectUnknownValues) {
  auto m = Mapping::compile(
      flow_with(
          {{"mapping",
            {{"id", {{"from", "id"}}},
             {"level", {{"from", "L"}, {"values", {{"G", "Gold"}}}, {"values_strict", true}}}}}}),
      "f.json", problems_);
  source({"id", "L"}, {{"1", "P"}});
  EXPECT_EQ(map(m), json("'level': 'P' from source field 'L' is not in its lookup table"));
}

TEST_F(MappingTest, FiltersOnSourceFields) {
  auto m = Mapping::compile(
      flow_with({{"filter",
                  {{{"field", "Opt In"}, {"in", {"yes", "y"}}, {"ignore_case", true}},
                   {{"field", "Email"}, {"empty", false}}}}}),
      "f.json", problems_);
  ASSERT_TRUE(problems_.empty());
  source({"id", "Opt In", "Email"},
         {{"1", "YES", "a@b.org"}, {"2", "no", "c@d.org"}, {"3", "y", std::nullopt}});
  EXPECT_TRUE(accepts(m, 0));
  EXPECT_FALSE(accepts(m, 1));
  EXPECT_FALSE(accepts(m, 2));
}

TEST_F(MappingTest, FiltersOnRecentDates) {
  auto m = Mapping::compile(flow_with({{"filter", {{{"field", "Updated"}, {"within", "30d"}}}}}),
                            "f.json", problems_);
  source({"id", "Updated"}, {{"1", "1999-01-01"}, {"2", "2999-01-01"}, {"3", "not a date"}});
  EXPECT_FALSE(accepts(m, 0));
  EXPECT_TRUE(accepts(m, 1));
  EXPECT_FALSE(accepts(m, 2));
}

TEST_F(MappingTest, WithoutAMappingEveryFieldPassesThrough) {
  auto m = Mapping::compile(flow_with(json::object()), "f.json", problems_);
  EXPECT_TRUE(m.identity());
  EXPECT_EQ(m.target_key(), std::vector<std::string>{"id"});
  source({"id", "x"}, {{"1", std::nullopt}});
  EXPECT_EQ(map(m), json({{"id", "1"}, {"x", nullptr}}));
}

TEST_F(MappingTest, ASourceWithoutAMappedOrFilteredFieldIsRefusedWithSuggestions) {
  auto m = Mapping::compile(
      flow_with({{"mapping", {{"id", {{"from", "id"}}}, {"lastname", {{"from", "Family name"}}}}},
                 {"filter", {{{"field", "Opt in"}, {"equals", "yes"}}}}}),
      "f.json", problems_);
  ASSERT_TRUE(problems_.empty());
  source({"id", "Family Name", "Opt In"}, {{"1", "Lovelace", "yes"}});
  try {
    map(m);
    FAIL() << "a batch without the mapped field was accepted";
  } catch (const MissingFieldsError &e) {
    EXPECT_EQ(std::string(e.what()),
              "flow 'f' refused: the source has no field 'Family name' (did you mean 'Family "
              "Name'?) (named at /flows/0/mapping/lastname/from); and no field 'Opt in' (did "
              "you mean 'Opt In'?) (named at /flows/0/filter/0/field). Its fields are: id, "
              "Family Name, Opt In. Correct the name, or set \"optional\": true where the "
              "source may lack the field; nothing was written");
  }
  const auto missing = m.missing_fields({"id", "Family Name", "Opt In"});
  ASSERT_EQ(missing.size(), 2U);
  EXPECT_EQ(missing[0].pointer, "/flows/0/mapping/lastname/from");
}

TEST_F(MappingTest, AnOptionalFieldMayBeMissingFromTheSource) {
  auto m = Mapping::compile(
      flow_with(
          {{"mapping",
            {{"id", {{"from", "id"}}}, {"nickname", {{"from", "Nickname"}, {"optional", true}}}}},
           {"filter", {{{"field", "Opt In"}, {"empty", true}, {"optional", true}}}}}),
      "f.json", problems_);
  source({"id"}, {{"1"}});
  EXPECT_EQ(map(m), json({{"id", "1"}, {"nickname", nullptr}}));
  EXPECT_TRUE(m.missing_fields({"id"}).empty());
}

TEST_F(MappingTest, ReportsMappingsThatCannotWork) {
  Mapping::compile(flow_with({{"mapping",
                               {{"email", {{"from", "Email"}}},
                                {"both", {{"from", "x"}, {"const", 1}}},
                                {"neither", json::object()}}}}),
                   "f.json", problems_);
  std::vector<std::string> text;
  for (const auto &p : problems_) text.push_back(p.to_string());
  EXPECT_EQ(text, (std::vector<std::string>{
                      "f.json: /flows/0/mapping/both: has both \"from\" and \"const\"; keep one",
                      "f.json: /flows/0/mapping/neither: needs \"from\" (a source field) or "
                      "\"const\"",
                      "f.json: /flows/0/to: cannot tell the target key: map the source key "
                      "field 'id' or set \"key\" here"}));
}

TEST(RecordHash, ChangesWithAnyNameTypeOrValue) {
  auto hash_of = [](const std::vector<std::string> &fields, const std::vector<Value> &values) {
    BatchBuilder b;
    b.set_fields(fields);
    const auto r = b.add_record();
    for (std::size_t i = 0; i < values.size(); ++i) b.set(r, i, values[i]);
    const BatchView v(*b.batch());
    return content_hash(v.record(0), v);
  };
  const auto base = hash_of({"a", "b"}, {Value::string("1"), Value::string("x")});
  EXPECT_EQ(base.size(), 32U);
  EXPECT_EQ(base, hash_of({"a", "b"}, {Value::string("1"), Value::string("x")}));
  EXPECT_NE(base, hash_of({"a", "c"}, {Value::string("1"), Value::string("x")}));
  EXPECT_NE(base, hash_of({"a", "b"}, {Value::int64(1), Value::string("x")}));
  EXPECT_NE(base, hash_of({"a", "b"}, {Value::string("1"), Value::string("y")}));
  EXPECT_NE(hash_of({"a", "b"}, {Value::string("1x"), Value::string("")}),
            hash_of({"a", "b"}, {Value::string("1"), Value::string("x")}));
}

// Eight hex digits for the field names, then eight per field: a changed value changes its
// field's digits only, a renamed field the names' digits.
TEST(RecordHash, FieldHashesChangeOnlyWhereTheRecordDid) {
  auto fields_of = [](const std::vector<std::string> &fields, const std::vector<Value> &values) {
    BatchBuilder b;
    b.set_fields(fields);
    const auto r = b.add_record();
    for (std::size_t i = 0; i < values.size(); ++i) b.set(r, i, values[i]);
    const BatchView v(*b.batch());
    const std::string plain = field_hashes(v.record(0), v);
    EXPECT_EQ(plain, field_hashes(v.record(0), v, field_list_hash(v)));
    return plain;
  };
  const auto base =
      fields_of({"a", "b", "c"}, {Value::string("1"), Value::int64(2), Value::null()});
  ASSERT_EQ(base.size(), 32U);
  EXPECT_EQ(base.find_first_not_of("0123456789abcdef"), std::string::npos);
  const auto changed =
      fields_of({"a", "b", "c"}, {Value::string("1"), Value::int64(3), Value::null()});
  EXPECT_EQ(changed.substr(0, 16), base.substr(0, 16));
  EXPECT_NE(changed.substr(16, 8), base.substr(16, 8));
  EXPECT_EQ(changed.substr(24), base.substr(24));
  const auto renamed =
      fields_of({"a", "b", "d"}, {Value::string("1"), Value::int64(2), Value::null()});
  EXPECT_NE(renamed.substr(0, 8), base.substr(0, 8));
  EXPECT_EQ(renamed.substr(8), base.substr(8));
}

}  // namespace
}  // namespace junction::engine
