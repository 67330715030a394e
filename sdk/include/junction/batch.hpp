// Record batches: a read-only view for sinks and a builder for sources.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "junction/abi.h"
#include "junction/value.hpp"

namespace junction {

enum class Operation : std::uint32_t { upsert = JN_OP_UPSERT, remove = JN_OP_DELETE };

class RecordView {
 public:
  RecordView(const jn_batch &batch, std::size_t index) : batch_(&batch), index_(index) {}

  Operation operation() const { return static_cast<Operation>(meta().op); }
  std::int64_t changed_at() const { return meta().changed_at; }
  std::string_view origin() const { return view(meta().origin); }
  bool failed() const { return meta().error.size != 0; }
  std::string_view error() const { return view(meta().error); }
  std::string_view raw() const { return view(meta().raw); }
  std::size_t index() const { return index_; }
  std::size_t field_count() const { return batch_->field_count; }
  Value value(std::size_t field) const {
    return Value(batch_->values[index_ * batch_->field_count + field]);
  }
  // What the host believes the target holds now in a field, absent when it states
  // nothing (always from a host or batch older than ABI 1.2). See jn_batch.expected.
  Value expected(std::size_t field) const {
    constexpr std::size_t with_expected = offsetof(jn_batch, expected) + sizeof(const jn_value *);
    if (batch_->struct_size < with_expected || batch_->expected == nullptr) return Value();
    return Value(batch_->expected[index_ * batch_->field_count + field]);
  }
  // Whether the record may be written only while the target holds what it expects.
  bool has_expectations() const {
    for (std::size_t f = 0; f < field_count(); ++f) {
      if (!expected(f).is_absent()) return true;
    }
    return false;
  }

 private:
  const jn_record &meta() const { return batch_->records[index_]; }
  const jn_batch *batch_;
  std::size_t index_;
};

class BatchView {
 public:
  explicit BatchView(const jn_batch &batch) : batch_(&batch) {}

  std::size_t size() const { return batch_->record_count; }
  std::size_t field_count() const { return batch_->field_count; }
  std::string_view field_name(std::size_t i) const { return view(batch_->field_names[i]); }
  // Index of the named field, or npos.
  std::size_t field_index(std::string_view name) const {
    for (std::size_t i = 0; i < field_count(); ++i) {
      if (field_name(i) == name) return i;
    }
    return npos;
  }
  std::size_t key_count() const { return batch_->key_count; }
  std::size_t key_field(std::size_t i) const { return batch_->key_fields[i]; }
  RecordView record(std::size_t i) const { return RecordView(*batch_, i); }
  const jn_batch &raw() const { return *batch_; }
  // The record's key in the target system as that system assigned it, empty when the host
  // knows none (and always from a host or batch older than ABI 1.1).
  std::string_view member_key(std::size_t i) const {
    constexpr std::size_t with_keys = offsetof(jn_batch, member_keys) + sizeof(const jn_str *);
    if (batch_->struct_size < with_keys || batch_->member_keys == nullptr) return {};
    return view(batch_->member_keys[i]);
  }

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

 private:
  const jn_batch *batch_;
};

// Owns the memory of a batch. Text is copied into stable blocks so that views stay valid
// until clear(); clear() keeps the capacity, so a source reuses one builder for every
// batch without allocating per record.
class BatchBuilder {
 public:
  BatchBuilder() = default;
  BatchBuilder(const BatchBuilder &) = delete;
  BatchBuilder &operator=(const BatchBuilder &) = delete;

  // Sets the field list shared by the records that follow; only while the batch is empty.
  void set_fields(const std::vector<std::string> &names) {
    if (!records_.empty()) throw std::logic_error("set_fields on a non-empty batch");
    field_storage_ = names;
    field_views_.clear();
    for (const auto &n : field_storage_) field_views_.push_back(make_str(n));
  }
  void set_key_fields(std::vector<std::uint32_t> indices) { key_fields_ = std::move(indices); }

  std::size_t field_count() const { return field_views_.size(); }
  std::size_t size() const { return records_.size(); }
  bool empty() const { return records_.empty(); }

  // Starts a record with every field absent; returns its index.
  // Makes room for `records` records of the fields set, so that adding them moves nothing.
  void reserve(std::size_t records) {
    records_.reserve(records);
    values_.reserve(records * field_views_.size());
  }

  std::size_t add_record(Operation op = Operation::upsert,
                         std::int64_t changed_at = JN_TIME_UNKNOWN, std::string_view origin = {}) {
    records_.push_back(jn_record{static_cast<jn_operation>(op), 0, changed_at,
                                 make_str(copy_text(origin)), jn_str{nullptr, 0},
                                 jn_str{nullptr, 0}});
    values_.resize(values_.size() + field_views_.size(), jn_value{JN_ABSENT, 0, {0}});
    return records_.size() - 1;
  }

  // Marks a record as unreadable: `error` says why (non-empty), `raw` is the input as it
  // was. Fields set on it are kept as far as they could be read.
  void fail_record(std::size_t record, std::string_view error, std::string_view raw = {}) {
    if (error.empty()) error = "unreadable record";
    records_[record].error = make_str(copy_text(error));
    records_[record].raw = make_str(copy_text(raw));
  }

  // Sets a field of a record; text values are copied into the batch.
  void set(std::size_t record, std::size_t field, Value value) {
    jn_value raw = value.raw();
    if (value.has_text()) raw.u.text = copy_text(value.text()).data();
    values_[record * field_views_.size() + field] = raw;
  }

  // Sets the key the target system assigned to a record (see jn_batch.member_keys).
  void set_member_key(std::size_t record, std::string_view key) {
    member_keys_.resize(records_.size(), jn_str{nullptr, 0});
    member_keys_[record] = make_str(copy_text(key));
  }

  // States what the target should still hold in a field for the record to be written
  // (see jn_batch.expected); text is copied into the batch.
  void set_expected(std::size_t record, std::size_t field, Value value) {
    expected_.resize(records_.size() * field_views_.size(), jn_value{JN_ABSENT, 0, {0}});
    jn_value raw = value.raw();
    if (value.has_text()) raw.u.text = copy_text(value.text()).data();
    expected_[record * field_views_.size() + field] = raw;
  }

  // Removes the last record (a source that finds it malformed after starting it).
  void drop_last_record() {
    if (records_.empty()) return;
    records_.pop_back();
    values_.resize(values_.size() - field_views_.size());
    if (member_keys_.size() > records_.size()) member_keys_.resize(records_.size());
    if (expected_.size() > values_.size()) expected_.resize(values_.size());
  }

  void clear() {
    records_.clear();
    values_.clear();
    member_keys_.clear();
    expected_.clear();
    // Keep one standard block so a reused builder does not allocate per batch.
    while (blocks_.size() > 1 || (!blocks_.empty() && blocks_.back().size != block_size)) {
      blocks_.pop_back();
    }
    block_used_ = 0;
  }

  // Exchanges contents with another builder; views into either stay valid.
  void swap(BatchBuilder &other) noexcept {
    field_storage_.swap(other.field_storage_);
    field_views_.swap(other.field_views_);
    key_fields_.swap(other.key_fields_);
    records_.swap(other.records_);
    values_.swap(other.values_);
    member_keys_.swap(other.member_keys_);
    expected_.swap(other.expected_);
    blocks_.swap(other.blocks_);
    std::swap(block_used_, other.block_used_);
  }

  const jn_batch *batch() {
    if (!member_keys_.empty()) member_keys_.resize(records_.size(), jn_str{nullptr, 0});
    if (!expected_.empty()) expected_.resize(values_.size(), jn_value{JN_ABSENT, 0, {0}});
    raw_ = jn_batch{sizeof(jn_batch),
                    static_cast<std::uint32_t>(field_views_.size()),
                    field_views_.data(),
                    static_cast<std::uint32_t>(key_fields_.size()),
                    key_fields_.data(),
                    records_.size(),
                    records_.data(),
                    values_.data(),
                    member_keys_.empty() ? nullptr : member_keys_.data(),
                    expected_.empty() ? nullptr : expected_.data()};
    return &raw_;
  }

 private:
  static constexpr std::size_t block_size = std::size_t{64} * 1024;

  struct Block {
    std::unique_ptr<char[]> data;
    std::size_t size;
  };

  std::string_view copy_text(std::string_view s) {
    if (s.empty()) return {};
    if (blocks_.empty() || block_used_ + s.size() > blocks_.back().size) {
      const std::size_t size = s.size() > block_size ? s.size() : block_size;
      blocks_.push_back(Block{std::make_unique<char[]>(size), size});
      block_used_ = 0;
    }
    char *dest = blocks_.back().data.get() + block_used_;
    std::memcpy(dest, s.data(), s.size());
    block_used_ += s.size();
    return {dest, s.size()};
  }

  std::vector<std::string> field_storage_;
  std::vector<jn_str> field_views_;
  std::vector<std::uint32_t> key_fields_;
  std::vector<jn_record> records_;
  std::vector<jn_value> values_;
  std::vector<jn_str> member_keys_;  // empty, or one per record
  std::vector<jn_value> expected_;   // empty, or laid out like values_
  std::vector<Block> blocks_;
  std::size_t block_used_ = 0;
  jn_batch raw_{};
};

}  // namespace junction
