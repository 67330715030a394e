// The host's side of a configured connector: owns the plugin's instance and turns every
// call's status and message into C++ results. Plugin text is copied and sanitized here,
// at the boundary.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <junction/abi.h>

#include "plugin/loader.hpp"

namespace junction::plugin {

// A failed call: the status and the plugin's own words.
class CallError : public std::runtime_error {
 public:
  CallError(jn_status status, const std::string &message,
            std::chrono::milliseconds retry_after = std::chrono::milliseconds(0))
      : std::runtime_error(message), status_(status), retry_after_(retry_after) {}
  jn_status status() const { return status_; }
  // The plugin's word on when to call again (a remote service's Retry-After); 0 if none.
  std::chrono::milliseconds retry_after() const { return retry_after_; }

 private:
  jn_status status_;
  std::chrono::milliseconds retry_after_;
};

// What plugins learn from `stopping`: set once by the program that handles the stop
// signals; without it, never stopping.
void set_stop_probe(bool (*probe)());

// A plugin's spend_quota, as the host's governor sees it.
struct QuotaAsk {
  std::string account;  // sanitized, bounded
  std::int64_t requests = 1;
  std::int64_t window_ms = 0;
  std::int64_t per_window = 0;
  std::int64_t per_day = 0;
};
// Answers a QuotaAsk: nothing when the requests may go (after waiting as needed), else how
// long until they may. Set once by the program; without it, every request may go.
using QuotaSpender = std::function<std::optional<std::chrono::milliseconds>(const QuotaAsk &)>;
void set_quota_spender(QuotaSpender spender);
// Told of each rate limit a plugin reports (set_retry_after) after spending on an account.
using ThrottleListener = std::function<void(const std::string &account)>;
void set_throttle_listener(ThrottleListener listener);

// "transient failure", "invalid config", ...
std::string status_text(jn_status status);

// Logging and the last error of calls made on this thread, per connector.
struct HostContext;

struct SourceOptions {
  std::string entity;
  std::string cursor;
  jn_read_mode mode = JN_READ_INCREMENTAL;
  std::uint32_t batch_size = 1000;
  std::vector<std::string> key_fields;
  std::vector<std::string> fields;  // the fields the run uses; empty: every field
};

class SourceStream {
 public:
  SourceStream(const jn_source_api *api, void *handle, HostContext *context)
      : api_(api), handle_(handle), context_(context) {}
  ~SourceStream();
  SourceStream(const SourceStream &) = delete;
  SourceStream &operator=(const SourceStream &) = delete;

  // The next batch; valid until the next call. Throws CallError.
  const jn_source_batch &next();
  void acknowledge(std::string_view cursor);

 private:
  const jn_source_api *api_;
  void *handle_;
  HostContext *context_;
  jn_source_batch last_{};
};

class SinkStream {
 public:
  SinkStream(const jn_sink_api *api, void *handle, HostContext *context)
      : api_(api), handle_(handle), context_(context) {}
  ~SinkStream();
  SinkStream(const SinkStream &) = delete;
  SinkStream &operator=(const SinkStream &) = delete;

  // One outcome per record, valid until the next call. Throws CallError for the batch.
  const std::vector<jn_outcome> &write(const jn_batch &batch);
  void commit();

 private:
  const jn_sink_api *api_;
  void *handle_;
  HostContext *context_;
  std::vector<jn_outcome> outcomes_;
};

class ConnectorInstance {
 public:
  // Creates the plugin's instance from its JSON config; relative paths in it start at
  // `base_dir`. Throws CallError.
  ConnectorInstance(const LoadedPlugin &plugin, std::string connector_name,
                    const std::string &config_json, const std::string &base_dir = {});
  ~ConnectorInstance();
  ConnectorInstance(const ConnectorInstance &) = delete;
  ConnectorInstance &operator=(const ConnectorInstance &) = delete;

  std::unique_ptr<SourceStream> open_source(const SourceOptions &options);
  std::unique_ptr<SinkStream> open_sink(const std::string &entity,
                                        const std::vector<std::string> &key_fields,
                                        const std::string &run_id);
  const std::string &name() const;

  // Blocks up to `timeout` until `entity` may have changed; nothing when the plugin cannot
  // tell. Throws CallError.
  std::optional<bool> wait_for_changes(const std::string &entity,
                                       std::chrono::milliseconds timeout);

  // Records of `entity` found by field values, carrying `fields` too (see jn_lookup_request);
  // nothing when the plugin cannot look up. The batch and indexes stay valid until the next call.
  // Throws CallError.
  struct LookupAnswer {
    const jn_batch *found = nullptr;
    const std::uint32_t *query_index = nullptr;
  };
  bool can_look_up() const;
  // What the plugin's manifest says of `entity` (honouring "*"); null when nothing.
  const EntityInfo *entity_info(const std::string &entity) const;
  std::optional<LookupAnswer> lookup(const std::string &entity, const jn_batch &queries,
                                     const std::vector<std::string> &fields);

  // Verifies a webhook request and returns the (entity, key) pairs it names as changed;
  // nothing when the plugin takes no webhooks. Throws CallError (JN_RECORD_REJECTED: not
  // authentic or not understood).
  struct WebhookRequest {
    std::string method;
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
    std::string body;
  };
  bool can_receive_webhooks() const;
  std::optional<std::vector<std::pair<std::string, std::string>>> webhook(
      const WebhookRequest &request);

  // The fields `entity`'s records carry, when the plugin can tell. Throws CallError.
  std::optional<std::vector<std::string>> describe_fields(const std::string &entity);

 private:
  LoadedPlugin plugin_;  // its file is not kept: the catalog owning it may go first
  Manifest manifest_;    // what the manifest says of each entity (entities only)
  std::unique_ptr<HostContext> context_;
  void *handle_ = nullptr;
};

// Plugin text is untrusted: cut to a bounded length, control characters replaced.
std::string sanitize_plugin_text(std::string_view text, std::size_t limit = 4096);

}  // namespace junction::plugin
