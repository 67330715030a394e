// Base classes a C++ connector derives from: Connector, Source, Sink.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "junction/abi.h"
#include "junction/batch.hpp"
#include "junction/errors.hpp"

namespace junction {

enum class LogLevel : std::int32_t {
  trace = JN_LOG_TRACE,
  debug = JN_LOG_DEBUG,
  info = JN_LOG_INFO,
  warn = JN_LOG_WARN,
  error = JN_LOG_ERROR,
};

// The host's services as seen by a connector.
class Host {
 public:
  Host(const jn_host_api *api, jn_host_context *context) : api_(api), context_(context) {}

  void log(LogLevel level, std::string_view message) const {
    api_->log(context_, static_cast<jn_log_level>(level), make_str(message));
  }
  void set_error(std::string_view message) const { api_->set_error(context_, make_str(message)); }
  std::uint32_t abi_minor() const { return api_->abi_minor; }
  // True when the run is stopping: a connector in a long wait returns early. Always false
  // in a host older than ABI 1.1.
  bool stopping() const {
    return has(offsetof(jn_host_api, stopping)) && api_->stopping != nullptr &&
           api_->stopping(context_) != 0;
  }
  // Asks the host's quota governor for `requests` requests on `account` (the connector's own
  // idea of its limits in `defaults`; the admin's config overrides them). Blocks while the
  // account's window is full. Throws TransientError, with the wait as its retry hint, when
  // the day's budget is spent or the run is stopping. Returns false from a host older than
  // ABI 1.1, which has no governor: the connector then paces itself.
  struct QuotaDefaults {
    std::int64_t per_window = 0;
    std::chrono::milliseconds window{0};
    std::int64_t per_day = 0;
  };
  bool spend_quota(std::string_view account, const QuotaDefaults &defaults,
                   std::uint32_t requests = 1) const {
    if (!has(offsetof(jn_host_api, spend_quota)) || api_->spend_quota == nullptr) return false;
    const jn_quota_request request{sizeof(jn_quota_request), requests,
                                   make_str(account),        defaults.window.count(),
                                   defaults.per_window,      defaults.per_day};
    std::int64_t wait_ms = 0;
    if (api_->spend_quota(context_, &request, &wait_ms) != JN_OK) {
      throw TransientError("the API account's request budget has no room now (" +
                               std::to_string(wait_ms / 1000) + " s until it has)",
                           wait_ms);
    }
    return true;
  }
  // The remote service asked to be called again no sooner than this (with a transient
  // failure of a whole call); the export layer passes TransientError's hint here.
  void set_retry_after(std::int64_t milliseconds) const {
    if (has(offsetof(jn_host_api, set_retry_after)) && api_->set_retry_after != nullptr) {
      api_->set_retry_after(context_, milliseconds);
    }
  }

 private:
  bool has(std::size_t offset) const {
    return api_->abi_minor >= 1 && api_->struct_size >= offset + sizeof(void *);
  }
  const jn_host_api *api_;
  jn_host_context *context_;
};

enum class ReadMode : std::uint32_t {
  incremental = JN_READ_INCREMENTAL,
  snapshot = JN_READ_SNAPSHOT,
};

struct SourceRequest {
  std::string entity;
  std::string cursor;  // empty on the first run
  ReadMode mode = ReadMode::incremental;
  std::uint32_t batch_size = 1000;
  std::vector<std::string> key_fields;  // empty: the source's own key
  std::vector<std::string> fields;      // the fields the host uses; empty: every field
};

// Records to find by field values: each record of `queries` is one query whose present
// fields must all be equal (as the system compares them); absent fields are not compared.
struct LookupRequest {
  std::string entity;
  BatchView queries;
  std::vector<std::string> fields;  // more fields the found records carry
};

// A webhook request as the host received it: header names in lower case.
struct WebhookRequest {
  std::string method;
  std::string url;  // scheme://host[:port]/path?query, as the sender called it
  std::map<std::string, std::string> headers;
  std::string body;

  std::string header(const std::string &lower_name) const {
    const auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// A record a webhook names as changed.
struct WebhookChange {
  std::string entity;
  std::string key;  // as the source keys it; a one-field key's value as text
};

// What Source::next fills in. The batch is cleared by the caller before each call.
struct SourceBatch {
  BatchBuilder &records;
  std::string &cursor;  // the position after this batch
  bool end = false;     // nothing more to read now
};

class Source {
 public:
  virtual ~Source() = default;
  virtual void next(SourceBatch &out) = 0;
  // Everything up to `cursor` is durably handled by the host.
  virtual void acknowledge(std::string_view cursor) { (void)cursor; }
};

struct SinkRequest {
  std::string entity;
  std::vector<std::string> key_fields;
  std::string run_id;
};

enum class WriteAction : std::uint32_t {
  nothing = JN_WROTE_NOTHING,
  created = JN_WROTE_CREATED,
  updated = JN_WROTE_UPDATED,
  deleted = JN_WROTE_DELETED,
  written = JN_WROTE_UNKNOWN,  // the target cannot tell created from updated
};

// Per-record results of one Sink::write. Text goes into storage the export layer keeps
// until the next write on the same sink, as the ABI requires.
class Outcomes {
 public:
  Outcomes(jn_outcome *raw, std::size_t count, std::deque<std::string> &texts)
      : raw_(raw), count_(count), texts_(&texts) {}

  std::size_t size() const { return count_; }
  void written(std::size_t record, WriteAction action, std::string_view target_key = {}) {
    jn_outcome &o = at(record);
    o.status = JN_OK;
    o.action = static_cast<jn_write_action>(action);
    o.target_key = keep(target_key);
  }
  void rejected(std::size_t record, std::string_view message) {
    at(record).status = JN_RECORD_REJECTED;
    at(record).message = keep(message);
  }
  // The record no longer held what the batch expected of it (see RecordView::expected):
  // nothing was written to it.
  void stale(std::size_t record, std::string_view message) {
    at(record).status = JN_STALE;
    at(record).message = keep(message);
  }
  void transient(std::size_t record, std::string_view message, std::int64_t retry_after_ms = 0) {
    at(record).status = JN_TRANSIENT;
    at(record).message = keep(message);
    at(record).retry_after_ms = retry_after_ms;
  }

 private:
  jn_outcome &at(std::size_t record) {
    if (record >= count_) throw FatalError("outcome index out of range");
    return raw_[record];
  }
  jn_str keep(std::string_view text) {
    if (text.empty()) return jn_str{nullptr, 0};
    texts_->emplace_back(text);
    return make_str(texts_->back());
  }

  jn_outcome *raw_;
  std::size_t count_;
  std::deque<std::string> *texts_;
};

class Sink {
 public:
  virtual ~Sink() = default;
  // Fill one outcome per record; throw only when the whole batch failed.
  virtual void write(const BatchView &batch, Outcomes &outcomes) = 0;
  virtual void commit() {}
};

// Who a connector is: its name, its JSON config (already validated against the manifest
// schema) and the directory its relative paths start from.
struct ConnectorInit {
  Host host;
  std::string name;
  std::string config;
  std::string base_dir;
};

// One configured instance of a plugin.
class Connector {
 public:
  explicit Connector(const ConnectorInit &init)
      : host_(init.host), name_(init.name), config_(init.config), base_dir_(init.base_dir) {}
  virtual ~Connector() = default;

  virtual std::unique_ptr<Source> open_source(const SourceRequest &request) {
    (void)request;
    throw FatalError("this connector cannot read");
  }
  // Blocks up to `timeout` until `entity` may have changed: true when it may have, false on
  // timeout, nothing when this connector cannot tell (the default; the host then polls on
  // its schedule).
  virtual std::optional<bool> wait_for_changes(const std::string &entity,
                                               std::chrono::milliseconds timeout) {
    (void)entity;
    (void)timeout;
    return std::nullopt;
  }

  // The fields `entity`'s records carry as the source would read them now (a file's header,
  // a table's columns); nothing when this connector cannot tell (the default). May do I/O.
  virtual std::optional<std::vector<std::string>> describe_fields(const std::string &entity) {
    (void)entity;
    return std::nullopt;
  }
  // Finds the records answering each query of `request` (see LookupRequest): adds each to
  // `found`, with the queries' fields, request.fields and the key, and the index of the
  // query it answers to `query_index`. A connector that can look up also declares
  // `static constexpr bool can_look_up = true;` so that the host sees the function; the
  // default is never called then.
  virtual void lookup(const LookupRequest &request, BatchBuilder &found,
                      std::vector<std::uint32_t> &query_index) {
    (void)request;
    (void)found;
    (void)query_index;
    throw FatalError("this connector cannot look records up");
  }
  // Verifies a webhook request and names the records it says changed (see
  // jn_plugin.webhook); throws RecordError when the request is not authentic or not
  // understood. A connector that takes webhooks also declares
  // `static constexpr bool can_receive_webhooks = true;`.
  virtual std::vector<WebhookChange> webhook(const WebhookRequest &request) {
    (void)request;
    throw FatalError("this connector takes no webhooks");
  }
  virtual std::unique_ptr<Sink> open_sink(const SinkRequest &request) {
    (void)request;
    throw FatalError("this connector cannot write");
  }

  const Host &host() const { return host_; }
  const std::string &name() const { return name_; }
  const std::string &config() const { return config_; }
  // A path from the config, made absolute against the config's directory.
  std::string resolve_path(const std::string &path) const {
    if (path.empty() || path.front() == '/' || base_dir_.empty()) return path;
    return base_dir_ + (base_dir_.back() == '/' ? "" : "/") + path;
  }

 private:
  Host host_;
  std::string name_;
  std::string config_;
  std::string base_dir_;
};

}  // namespace junction
