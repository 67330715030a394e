#include "plugin/connector_instance.hpp"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include <spdlog/spdlog.h>

namespace junction::plugin {

struct HostContext {
  std::string connector;
  std::shared_ptr<spdlog::logger> logger;
};

namespace {

thread_local std::string last_plugin_error;
thread_local std::int64_t last_retry_after_ms = 0;
// The account this thread last spent requests on: a rate limit reported next is its.
thread_local std::string last_quota_account;
std::atomic<bool (*)()> stop_probe{nullptr};
std::mutex spender_mutex;
QuotaSpender quota_spender;
ThrottleListener throttle_listener;

spdlog::level::level_enum to_spdlog(jn_log_level level) {
  switch (level) {
    case JN_LOG_TRACE: return spdlog::level::trace;
    case JN_LOG_DEBUG: return spdlog::level::debug;
    case JN_LOG_INFO: return spdlog::level::info;
    case JN_LOG_WARN: return spdlog::level::warn;
    default: return spdlog::level::err;
  }
}

void host_log(jn_host_context *ctx, jn_log_level level, jn_str message) {
  auto *context = reinterpret_cast<HostContext *>(ctx);
  if (context == nullptr || message.data == nullptr) return;
  context->logger->log(to_spdlog(level), "[{}] {}", context->connector,
                       sanitize_plugin_text({message.data, message.size}));
}

void host_set_error(jn_host_context *, jn_str message) {
  last_plugin_error =
      message.data == nullptr ? std::string() : sanitize_plugin_text({message.data, message.size});
}

std::int32_t host_stopping(jn_host_context *) {
  const auto probe = stop_probe.load();
  return probe != nullptr && probe() ? 1 : 0;
}

// A day at most: a plugin's hint cannot park a run for longer.
void host_set_retry_after(jn_host_context *, std::int64_t milliseconds) {
  last_retry_after_ms = std::clamp<std::int64_t>(milliseconds, 0, 86400000);
  if (last_quota_account.empty()) return;
  ThrottleListener listener;
  {
    std::lock_guard lock(spender_mutex);
    listener = throttle_listener;
  }
  if (listener) listener(last_quota_account);
}

jn_status host_spend_quota(jn_host_context *, const jn_quota_request *request,
                           std::int64_t *wait_ms) {
  constexpr std::size_t v1_1 = offsetof(jn_quota_request, per_day) + sizeof(std::int64_t);
  if (request == nullptr || wait_ms == nullptr || request->struct_size < v1_1) return JN_FATAL;
  QuotaAsk ask;
  ask.account = sanitize_plugin_text({request->account.data, request->account.size}, 200);
  ask.requests = std::clamp<std::int64_t>(request->requests, 1, 10000);
  ask.window_ms = std::max<std::int64_t>(request->window_ms, 0);
  ask.per_window = std::max<std::int64_t>(request->per_window, 0);
  ask.per_day = std::max<std::int64_t>(request->per_day, 0);
  last_quota_account = ask.account;
  QuotaSpender spender;
  {
    std::lock_guard lock(spender_mutex);
    spender = quota_spender;
  }
  if (!spender || ask.account.empty()) return JN_OK;
  const auto wait = spender(ask);
  if (!wait) return JN_OK;
  *wait_ms = wait->count();
  return JN_TRANSIENT;
}

const jn_host_api host_api{
    sizeof(jn_host_api), JN_ABI_MAJOR,   JN_ABI_MINOR,          &host_log,
    &host_set_error,     &host_stopping, &host_set_retry_after, &host_spend_quota};

// Throws CallError for a failed status, with the plugin's words or a fallback.
void check(jn_status status, const std::string &what) {
  const std::chrono::milliseconds retry_after(last_retry_after_ms);
  last_retry_after_ms = 0;
  if (status == JN_OK) return;
  std::string message = std::move(last_plugin_error);
  last_plugin_error.clear();
  if (message.empty()) message = "no reason given";
  throw CallError(status, what + ": " + message,
                  status == JN_TRANSIENT ? retry_after : std::chrono::milliseconds(0));
}

jn_str str(const std::string &s) {
  return jn_str{s.data(), s.size()};
}

std::vector<jn_str> strs(const std::vector<std::string> &items) {
  std::vector<jn_str> out;
  out.reserve(items.size());
  for (const auto &s : items) out.push_back(str(s));
  return out;
}

}  // namespace

void set_stop_probe(bool (*probe)()) {
  stop_probe.store(probe);
}

void set_quota_spender(QuotaSpender spender) {
  std::lock_guard lock(spender_mutex);
  quota_spender = std::move(spender);
}

void set_throttle_listener(ThrottleListener listener) {
  std::lock_guard lock(spender_mutex);
  throttle_listener = std::move(listener);
}

std::string status_text(jn_status status) {
  switch (status) {
    case JN_OK: return "ok";
    case JN_TRANSIENT: return "transient failure";
    case JN_RECORD_REJECTED: return "record rejected";
    case JN_INVALID_CONFIG: return "invalid config";
    case JN_FATAL: return "fatal failure";
    case JN_STALE: return "changed since read";
    default: return "unknown status " + std::to_string(status);
  }
}

std::string sanitize_plugin_text(std::string_view text, std::size_t limit) {
  std::string out;
  out.reserve(std::min(text.size(), limit));
  for (char c : text.substr(0, limit)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 && c != '\t') || u == 0x7f ? ' ' : c;
  }
  if (text.size() > limit) out += "...";
  return out;
}

ConnectorInstance::ConnectorInstance(const LoadedPlugin &plugin, std::string connector_name,
                                     const std::string &config_json, const std::string &base_dir)
    : plugin_(plugin), context_(std::make_unique<HostContext>()) {
  // The catalog that owns the plugin's file may go before this connector does.
  if (plugin_.file != nullptr) manifest_.entities = plugin_.file->manifest.entities;
  plugin_.file = nullptr;
  context_->connector = std::move(connector_name);
  context_->logger = spdlog::default_logger();
  last_plugin_error.clear();
  void *handle = nullptr;
  const jn_connector_info info{sizeof(jn_connector_info), 0, str(context_->connector),
                               str(config_json), str(base_dir)};
  check(plugin_.table->create(&host_api, reinterpret_cast<jn_host_context *>(context_.get()), &info,
                              &handle),
        "connector '" + context_->connector + "' could not start");
  handle_ = handle;
}

ConnectorInstance::~ConnectorInstance() {
  if (handle_ != nullptr) plugin_.table->destroy(handle_);
}

const std::string &ConnectorInstance::name() const {
  return context_->connector;
}

namespace {

// A function of a later minor version is there only when the table says that minor and is
// long enough to hold it; a 1.0 table ends before wait_for_changes.
constexpr std::size_t wait_for_changes_end = offsetof(jn_plugin, wait_for_changes) + sizeof(void *);
constexpr std::size_t describe_fields_end = offsetof(jn_plugin, describe_fields) + sizeof(void *);
constexpr std::size_t lookup_end = offsetof(jn_plugin, lookup) + sizeof(void *);
constexpr std::size_t webhook_end = offsetof(jn_plugin, webhook) + sizeof(void *);

bool has_since_1_1(const jn_plugin &table, std::size_t end) {
  return table.abi_minor >= 1 && table.struct_size >= end;
}

}  // namespace

std::optional<bool> ConnectorInstance::wait_for_changes(const std::string &entity,
                                                        std::chrono::milliseconds timeout) {
  if (!has_since_1_1(*plugin_.table, wait_for_changes_end) ||
      plugin_.table->wait_for_changes == nullptr) {
    return std::nullopt;
  }
  std::int32_t changed = -1;
  check(plugin_.table->wait_for_changes(handle_, str(entity),
                                        static_cast<std::uint32_t>(timeout.count()), &changed),
        "connector '" + name() + "' failed to watch " + entity);
  if (changed < 0) return std::nullopt;
  return changed == 1;
}

std::optional<std::vector<std::string>> ConnectorInstance::describe_fields(
    const std::string &entity) {
  if (!has_since_1_1(*plugin_.table, describe_fields_end) ||
      plugin_.table->describe_fields == nullptr) {
    return std::nullopt;
  }
  jn_field_list list{sizeof(jn_field_list), 0, 0, nullptr};
  check(plugin_.table->describe_fields(handle_, str(entity), &list),
        "connector '" + name() + "' cannot describe " + entity);
  if (list.known != 1) return std::nullopt;
  if (list.field_count > 0 && list.field_names == nullptr) {
    throw CallError(JN_FATAL, "connector '" + name() + "' described " + entity + " malformed");
  }
  std::vector<std::string> fields;
  for (std::uint32_t i = 0; i < list.field_count; ++i) {
    fields.push_back(sanitize_plugin_text({list.field_names[i].data, list.field_names[i].size}));
  }
  return fields;
}

const EntityInfo *ConnectorInstance::entity_info(const std::string &entity) const {
  return manifest_.find_entity(entity);
}

bool ConnectorInstance::can_look_up() const {
  return has_since_1_1(*plugin_.table, lookup_end) && plugin_.table->lookup != nullptr;
}

std::optional<ConnectorInstance::LookupAnswer> ConnectorInstance::lookup(
    const std::string &entity, const jn_batch &queries, const std::vector<std::string> &fields) {
  if (!can_look_up()) return std::nullopt;
  std::vector<jn_str> names;
  names.reserve(fields.size());
  for (const auto &f : fields) names.push_back(str(f));
  const jn_lookup_request request{sizeof(jn_lookup_request),
                                  0,
                                  str(entity),
                                  &queries,
                                  static_cast<std::uint32_t>(names.size()),
                                  0,
                                  names.data()};
  jn_lookup_result result{sizeof(jn_lookup_result), 0, nullptr, nullptr};
  check(plugin_.table->lookup(handle_, &request, &result),
        "connector '" + name() + "' failed to look up " + entity);
  constexpr std::size_t batch_v1_0 = offsetof(jn_batch, values) + sizeof(const jn_value *);
  if (result.found != nullptr &&
      (result.found->struct_size < batch_v1_0 ||
       (result.found->record_count > 0 && result.query_index == nullptr))) {
    throw CallError(JN_FATAL, "connector '" + name() + "' answered a lookup malformed");
  }
  if (result.found != nullptr) {
    for (std::size_t i = 0; i < result.found->record_count; ++i) {
      if (result.query_index[i] >= queries.record_count) {
        throw CallError(JN_FATAL, "connector '" + name() + "' answered a query it was not asked");
      }
    }
  }
  return LookupAnswer{result.found, result.query_index};
}

bool ConnectorInstance::can_receive_webhooks() const {
  return has_since_1_1(*plugin_.table, webhook_end) && plugin_.table->webhook != nullptr;
}

std::optional<std::vector<std::pair<std::string, std::string>>> ConnectorInstance::webhook(
    const WebhookRequest &request) {
  if (!can_receive_webhooks()) return std::nullopt;
  std::vector<jn_http_header> headers;
  headers.reserve(request.headers.size());
  for (const auto &[name, value] : request.headers) headers.push_back({str(name), str(value)});
  const jn_webhook_request r{sizeof(jn_webhook_request),
                             static_cast<std::uint32_t>(headers.size()),
                             str(request.method),
                             str(request.url),
                             headers.data(),
                             str(request.body)};
  jn_webhook_result result{sizeof(jn_webhook_result), 0, nullptr};
  check(plugin_.table->webhook(handle_, &r, &result),
        "connector '" + name() + "' refused a webhook");
  if (result.change_count > 0 && result.changes == nullptr) {
    throw CallError(JN_FATAL, "connector '" + name() + "' answered a webhook malformed");
  }
  std::vector<std::pair<std::string, std::string>> changes;
  for (std::uint32_t i = 0; i < result.change_count && i < 100000; ++i) {
    const auto &c = result.changes[i];
    changes.emplace_back(sanitize_plugin_text({c.entity.data, c.entity.size}, 200),
                         sanitize_plugin_text({c.key.data, c.key.size}, 1000));
  }
  return changes;
}

std::unique_ptr<SourceStream> ConnectorInstance::open_source(const SourceOptions &options) {
  if (plugin_.table->source == nullptr) {
    throw CallError(JN_FATAL, "connector '" + name() + "' cannot read");
  }
  const auto keys = strs(options.key_fields);
  const auto fields = strs(options.fields);
  const jn_source_request request{sizeof(jn_source_request),
                                  options.mode,
                                  str(options.entity),
                                  str(options.cursor),
                                  options.batch_size,
                                  static_cast<std::uint32_t>(keys.size()),
                                  keys.data(),
                                  static_cast<std::uint32_t>(fields.size()),
                                  fields.empty() ? nullptr : fields.data()};
  void *handle = nullptr;
  check(plugin_.table->source->open(handle_, &request, &handle),
        "connector '" + name() + "' cannot read " + options.entity);
  return std::make_unique<SourceStream>(plugin_.table->source, handle, context_.get());
}

std::unique_ptr<SinkStream> ConnectorInstance::open_sink(const std::string &entity,
                                                         const std::vector<std::string> &keys,
                                                         const std::string &run_id) {
  if (plugin_.table->sink == nullptr) {
    throw CallError(JN_FATAL, "connector '" + name() + "' cannot write");
  }
  const auto key_strs = strs(keys);
  const jn_sink_request request{sizeof(jn_sink_request), static_cast<std::uint32_t>(keys.size()),
                                str(entity), key_strs.data(), str(run_id)};
  void *handle = nullptr;
  check(plugin_.table->sink->open(handle_, &request, &handle),
        "connector '" + name() + "' cannot write " + entity);
  return std::make_unique<SinkStream>(plugin_.table->sink, handle, context_.get());
}

SourceStream::~SourceStream() {
  api_->close(handle_);
}

const jn_source_batch &SourceStream::next() {
  last_ = jn_source_batch{sizeof(jn_source_batch), 0, nullptr, {nullptr, 0}};
  check(api_->next(handle_, &last_), "connector '" + context_->connector + "' failed to read");
  constexpr std::size_t batch_v1_0 = offsetof(jn_batch, values) + sizeof(const jn_value *);
  if (last_.batch != nullptr && last_.batch->struct_size < batch_v1_0) {
    throw CallError(JN_FATAL, "connector '" + context_->connector + "' returned a malformed batch");
  }
  return last_;
}

void SourceStream::acknowledge(std::string_view cursor) {
  check(api_->acknowledge(handle_, jn_str{cursor.data(), cursor.size()}),
        "connector '" + context_->connector + "' failed to acknowledge");
}

SinkStream::~SinkStream() {
  api_->close(handle_);
}

const std::vector<jn_outcome> &SinkStream::write(const jn_batch &batch) {
  outcomes_.assign(batch.record_count, jn_outcome{});
  check(api_->write(handle_, &batch, outcomes_.data()),
        "connector '" + context_->connector + "' failed to write");
  return outcomes_;
}

void SinkStream::commit() {
  check(api_->commit(handle_), "connector '" + context_->connector + "' failed to commit");
}

}  // namespace junction::plugin
