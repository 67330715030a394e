// Records between JSON (how a spec writes them) and the ABI's batches, and a comparable
// text form of what a source read.
#pragma once

#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "junction/abi.h"

namespace junction::testkit {

// A jn_batch that owns its memory, built from JSON objects: strings become JN_STRING,
// integers JN_INT64, other numbers JN_DOUBLE, booleans JN_BOOL, null JN_NULL, arrays and
// objects JN_JSON. A field a record lacks is JN_ABSENT.
class OwnedBatch {
 public:
  OwnedBatch(const std::vector<nlohmann::json> &records, const std::vector<std::string> &key,
             jn_operation op = JN_OP_UPSERT);
  OwnedBatch(const OwnedBatch &) = delete;
  OwnedBatch &operator=(const OwnedBatch &) = delete;

  const jn_batch *get() const { return &batch_; }
  std::size_t size() const { return records_.size(); }
  // States what the target should still hold in a field of a record (jn_batch.expected).
  void set_expected(std::size_t record, const std::string &field, const nlohmann::json &value);
  // A value of the batch, for a test that corrupts one on purpose.
  jn_value &value(std::size_t record, std::size_t field) {
    return values_[record * names_.size() + field];
  }

 private:
  const char *keep(std::string text);
  jn_value value_of(const nlohmann::json &value);

  std::deque<std::string> texts_;
  std::vector<std::string> names_;
  std::vector<jn_str> name_strs_;
  std::vector<std::uint32_t> key_fields_;
  std::vector<jn_record> records_;
  std::vector<jn_value> values_;
  std::vector<jn_value> expected_;  // empty, or laid out like values_
  jn_batch batch_{};
};

// One record as read: its fields as text (null: nullopt), its operation.
struct ReadRecord {
  jn_operation op = JN_OP_UPSERT;
  std::map<std::string, std::optional<std::string>> fields;
  std::string error;  // a record the source could not read
};

std::vector<ReadRecord> read_records(const jn_batch *batch);

// A value as text the way a record's fields are compared: numbers in decimal, booleans
// "true"/"false", JSON as its text; null and the empty string both compare as empty.
std::optional<std::string> text_of(const jn_value &value);
std::optional<std::string> text_of(const nlohmann::json &value);

// The record's identity: its key fields' texts joined by a unit separator.
std::string identity_of(const ReadRecord &record, const std::vector<std::string> &key);
std::string identity_of(const nlohmann::json &record, const std::vector<std::string> &key);

}  // namespace junction::testkit
