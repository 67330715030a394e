#include "engine/flow_runner.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

#include <soci/soci.h>
#include <spdlog/spdlog.h>

#include "engine/key_set.hpp"
#include "engine/record_hash.hpp"
#include "engine/record_text.hpp"
#include "store/error_queue_repository.hpp"
#include "store/record_state_repository.hpp"

namespace junction::engine {
namespace {

std::string stream_name(const config::Endpoint &end) {
  return end.connector + "/" + end.entity;
}

// A batch made of some rows of another, sharing its field list and text.
class Selection {
 public:
  void reset(const jn_batch &from) {
    from_ = &from;
    records_.clear();
    values_.clear();
    rows_.clear();
  }
  void add(std::size_t row) {
    rows_.push_back(row);
    records_.push_back(from_->records[row]);
    values_.insert(values_.end(), from_->values + row * from_->field_count,
                   from_->values + (row + 1) * from_->field_count);
  }
  const jn_batch &batch() {
    batch_ = *from_;
    batch_.record_count = records_.size();
    batch_.records = records_.data();
    batch_.values = values_.data();
    return batch_;
  }
  std::size_t size() const { return rows_.size(); }
  std::size_t row(std::size_t i) const { return rows_[i]; }

 private:
  const jn_batch *from_ = nullptr;
  std::vector<jn_record> records_;
  std::vector<jn_value> values_;
  std::vector<std::size_t> rows_;
  jn_batch batch_{};
};

struct PendingRow {
  std::size_t source_row;
  std::string key;
  std::string hash;
};

class Run {
 public:
  Run(FlowContext &context, std::string run_id)
      : c_(context),
        run_id_(std::move(run_id)),
        errors_(c_.store.session()),
        states_(c_.store.session(), c_.flow.to.connector, c_.flow.to.entity) {}

  void execute(FlowResult &result) {
    store::RunRepository runs(c_.store.session());
    const std::string stream = stream_name(c_.flow.from);
    soci::transaction transaction(c_.store.session());
    runs.start(run_id_, c_.flow.name, c_.actor);
    plugin::SourceOptions options;
    options.entity = c_.flow.from.entity;
    options.cursor = runs.cursor(c_.flow.name, stream).value_or("");
    options.batch_size = static_cast<std::uint32_t>(c_.flow.definition.value("batch_size", 1000));
    options.key_fields = c_.flow.from.key;
    auto source = c_.source.open_source(options);
    auto sink = c_.target.open_sink(c_.flow.to.entity, c_.mapping.target_key(), run_id_);
    std::string cursor = options.cursor;
    for (;;) {
      const jn_source_batch &next = source->next();
      if (next.batch != nullptr && next.batch->record_count > 0) handle_batch(*next.batch, *sink);
      cursor.assign(next.cursor.data, next.cursor.size);
      c_.progress.update(counts_.read);
      if (next.end != 0) break;
    }
    sink->commit();
    runs.save_cursor(c_.flow.name, stream, cursor, run_id_);
    runs.finish(run_id_, counts_.failed > 0 ? "finished_with_errors" : "finished", counts_, "");
    transaction.commit();
    // Only now is everything up to the cursor durable on both sides.
    source->acknowledge(cursor);
    result.counts = counts_;
  }

 private:
  void fail(const RecordView &record, const BatchView &batch, const std::string &stage,
            const std::string &status, const std::string &message, const std::string &key) {
    store::FailedRecord f;
    f.flow = c_.flow.name;
    f.run_id = run_id_;
    f.source_connector = c_.flow.from.connector;
    f.source_entity = c_.flow.from.entity;
    f.source_key = key;
    f.origin = std::string(record.origin());
    f.stage = stage;
    f.status = status;
    f.message = message;
    nlohmann::json as_read = record_json(record, batch, c_.mapping.sensitive_sources());
    if (record.failed() && !record.raw().empty()) as_read["_raw"] = std::string(record.raw());
    f.record = as_read.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    failed_.push_back(std::move(f));
    ++counts_.failed;
  }

  void handle_batch(const jn_batch &raw, plugin::SinkStream &sink) {
    const BatchView in(raw);
    c_.mapping.bind(in);
    std::vector<std::size_t> source_key;
    for (std::size_t k = 0; k < in.key_count(); ++k) source_key.push_back(in.key_field(k));

    mapped_.clear();
    const auto target_fields = c_.mapping.target_fields(in);
    mapped_.set_fields(target_fields);
    std::vector<std::size_t> target_key;
    std::vector<std::uint32_t> target_key32;
    for (const auto &k : c_.mapping.target_key()) {
      const auto it = std::find(target_fields.begin(), target_fields.end(), k);
      target_key.push_back(static_cast<std::size_t>(it - target_fields.begin()));
      target_key32.push_back(static_cast<std::uint32_t>(target_key.back()));
    }
    mapped_.set_key_fields(target_key32);

    pending_.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
      const RecordView record = in.record(i);
      ++counts_.read;
      const std::string skey = key_text(record, source_key);
      if (record.failed()) {
        fail(record, in, "parse", "rejected", std::string(record.error()), skey);
        continue;
      }
      if (!c_.mapping.accepts(record)) {
        ++counts_.filtered;
        continue;
      }
      const auto row = mapped_.add_record(static_cast<Operation>(raw.records[i].op),
                                          record.changed_at(), record.origin());
      if (auto problem = c_.mapping.apply(record, mapped_, row)) {
        mapped_.drop_last_record();
        fail(record, in, "map", "rejected", *problem, skey);
        continue;
      }
      const jn_batch &so_far = *mapped_.batch();
      const BatchView out(so_far);
      const RecordView mapped = out.record(row);
      std::string key = key_text(mapped, target_key);
      bool empty_key = false;
      for (const auto k : target_key)
        empty_key |= mapped.value(k).is_null() || mapped.value(k).is_absent();
      if (empty_key) {
        mapped_.drop_last_record();
        fail(record, in, "validate", "rejected",
             "the key (" + join(c_.mapping.target_key()) + ") is empty", skey);
        continue;
      }
      pending_.push_back(PendingRow{i, std::move(key), content_hash(mapped, out)});
    }
    if (pending_.empty()) {
      flush_failed();
      return;
    }

    std::vector<std::string> keys;
    keys.reserve(pending_.size());
    for (const auto &p : pending_) keys.push_back(p.key);
    const auto known = states_.lookup(keys);

    const jn_batch &out_raw = *mapped_.batch();
    const BatchView out(out_raw);
    selection_.reset(out_raw);
    std::vector<const PendingRow *> selected;
    for (std::size_t r = 0; r < pending_.size(); ++r) {
      const PendingRow &p = pending_[r];
      const auto it = known.find(p.key);
      if (!seen_keys_.insert(p.key)) {
        fail(in.record(p.source_row), in, "validate", "rejected",
             "another record in this run already has the key " + shown_key(p.key) + " in " +
                 c_.flow.to.connector + "/" + c_.flow.to.entity,
             key_text(in.record(p.source_row), source_key));
        continue;
      }
      if (it != known.end() && it->second.written_hash == p.hash) {
        ++counts_.unchanged;
        continue;
      }
      selection_.add(r);
      selected.push_back(&p);
    }
    if (selection_.size() > 0) {
      const auto &outcomes = sink.write(selection_.batch());
      std::vector<store::RecordWrite> writes;
      for (std::size_t s = 0; s < selection_.size(); ++s) {
        const PendingRow &p = *selected[s];
        const jn_outcome &o = outcomes[s];
        if (o.status == JN_OK) {
          writes.push_back({p.key, p.hash});
          if (o.action == JN_WROTE_DELETED) {
            ++counts_.deleted;
          } else if (known.contains(p.key)) {
            ++counts_.updated;
          } else {
            ++counts_.created;
          }
          continue;
        }
        const std::string message =
            o.message.size > 0 ? plugin::sanitize_plugin_text({o.message.data, o.message.size})
                               : std::string("the target refused the record");
        fail(in.record(p.source_row), in, "write",
             o.status == JN_TRANSIENT ? "transient" : "rejected", message,
             key_text(in.record(p.source_row), source_key));
      }
      states_.record_writes(writes, run_id_);
    }
    (void)out;
    flush_failed();
  }

  void flush_failed() {
    errors_.add(failed_);
    failed_.clear();
  }

  static std::string join(const std::vector<std::string> &items) {
    std::string out;
    for (const auto &i : items) out += (out.empty() ? "" : ", ") + i;
    return out;
  }
  static std::string shown_key(std::string key) {
    for (char &ch : key) {
      if (ch == '\x1f') ch = '|';
    }
    return "'" + key + "'";
  }

  FlowContext &c_;
  std::string run_id_;
  store::ErrorQueueRepository errors_;
  store::RecordStateRepository states_;
  store::RunCounts counts_;
  BatchBuilder mapped_;
  Selection selection_;
  std::vector<PendingRow> pending_;
  std::vector<store::FailedRecord> failed_;
  KeySet seen_keys_;  // target keys this run has handled, to catch duplicates
};

}  // namespace

std::string new_run_id() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::random_device random;
  char text[48];
  std::snprintf(text, sizeof text, "%04d%02d%02dT%02d%02d%02dZ-%06x", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<unsigned>(random() & 0xFFFFFF));
  return text;
}

FlowResult run_flow(FlowContext &context) {
  FlowResult result;
  result.flow = context.flow.name;
  result.run_id = new_run_id();
  const auto started = std::chrono::steady_clock::now();
  context.progress.start(context.flow.name);
  try {
    Run run(context, result.run_id);
    run.execute(result);
  } catch (const std::exception &e) {
    result.failed = true;
    result.message = e.what();
    spdlog::error("flow {} failed: {}", context.flow.name, result.message);
    try {
      store::RunRepository runs(context.store.session());
      runs.start(result.run_id, context.flow.name, context.actor);
      runs.finish(result.run_id, "failed", store::RunCounts{}, result.message);
    } catch (const std::exception &) {
      // The store itself may be what failed; the error above says so.
    }
  }
  context.progress.finish();
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace junction::engine
