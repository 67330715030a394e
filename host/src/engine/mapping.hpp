// A flow's mapping, compiled once: which source field feeds each target field, through
// which transforms, lookups, defaults, checks and conversions; plus the flow's filter.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <junction/batch.hpp>

#include "config/diagnostic.hpp"
#include "config/host_config.hpp"
#include "engine/conversions.hpp"
#include "engine/text_transforms.hpp"

namespace junction::engine {

struct FieldRule {
  std::string target;
  std::string from;  // source field; empty for a constant
  std::optional<nlohmann::json> constant;
  std::optional<nlohmann::json> default_value;
  bool required = false;
  std::vector<Transform> transforms;
  std::string country;
  std::optional<nlohmann::json> values;  // lookup table
  std::optional<nlohmann::json> values_default;
  bool values_strict = false;
  TargetType type = TargetType::keep;
  std::string format;
  Rounding rounding = Rounding::reject;
  std::size_t max_length = 0;  // characters; 0 for no limit
  bool truncate = false;
  bool sensitive = false;
  bool optional = false;                       // the source may lack `from`
  std::string pointer;                         // where the config defines this rule
  std::size_t source_index = BatchView::npos;  // bound per batch
};

struct Condition {
  std::string field;
  enum class Kind { equals, not_equals, in, not_in, empty, not_empty, within } kind;
  std::vector<std::string> values;
  std::int64_t within_ms = 0;
  std::string format;
  bool ignore_case = false;
  bool optional = false;  // the source may lack `field`
  std::string pointer;
  std::size_t source_index = BatchView::npos;
};

// A source field the mapping or filter names and the source does not have.
struct MissingField {
  std::string pointer;  // "/flows/0/mapping/lastname/from"
  std::string field;
  std::string message;  // "no field 'Family name' (did you mean 'Family Name'?)"
};

// A run refuses a flow whose source lacks a field its mapping or filter needs: writing
// empty values, or filtering everything, would lose data silently.
class MissingFieldsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Mapping {
 public:
  // Compiles a flow's mapping and filter. Problems go to `problems`, located by pointer.
  static Mapping compile(const config::FlowConfig &flow, const std::string &file,
                         config::Diagnostics &problems);

  bool identity() const { return rules_.empty(); }
  // Target fields for records of `batch` (the mapped names, or the source's own).
  std::vector<std::string> target_fields(const BatchView &batch) const;
  const std::vector<std::string> &target_key() const { return target_key_; }
  // Source fields whose values must never be shown (they feed sensitive targets).
  const std::set<std::string> &sensitive_sources() const { return sensitive_sources_; }

  // The source fields the mapping and filter read, in the order named; empty when the
  // mapping passes every field through.
  std::vector<std::string> source_fields() const;

  // The fields named by the mapping and filter (not declared optional) that are not among
  // `available`, each with a suggestion when one is close.
  std::vector<MissingField> missing_fields(const std::vector<std::string> &available) const;

  // Resolves field names against a batch's field list. Throws MissingFieldsError when the
  // batch lacks a field the mapping or filter needs, unless `require_fields` is false (queued
  // records re-driven from the error queue keep only what could be read of them).
  void bind(const BatchView &batch, bool require_fields = true);
  bool accepts(const RecordView &record) const;
  // Writes the mapped record into row `row` of `out`; returns the problem in words.
  // `keys_only`: only the target key's fields, as for a delete.
  std::optional<std::string> apply(const RecordView &record, BatchBuilder &out, std::size_t row,
                                   bool keys_only = false);

 private:
  std::optional<std::string> apply_rule(FieldRule &rule, const RecordView &record,
                                        BatchBuilder &out, std::size_t row, std::size_t index);

  std::vector<FieldRule> rules_;
  std::vector<Condition> conditions_;
  std::vector<std::string> target_key_;
  std::vector<bool> key_rule_;  // per rule: whether it maps a field of the target key
  std::set<std::string> sensitive_sources_;
  std::string flow_name_;
  std::string scratch_;
  Converted converted_;
};

}  // namespace junction::engine
