// The export layer: turns a C++ Connector class into the C table of abi.h. Every call is
// wrapped so that no exception crosses the boundary; each becomes a status and a message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "junction/abi.h"
#include "junction/connector.hpp"

#if defined(_WIN32)
#define JUNCTION_EXPORT __declspec(dllexport)
#else
#define JUNCTION_EXPORT __attribute__((visibility("default")))
#endif

namespace junction::detail {

struct ConnectorHolder {
  explicit ConnectorHolder(Host h) : host(h) {}
  std::unique_ptr<Connector> connector;
  Host host;
  std::vector<std::string> field_names;  // the last describe_fields answer
  std::vector<jn_str> field_strs;
  BatchBuilder lookup_found;                   // the last lookup answer
  std::vector<WebhookChange> webhook_changes;  // the last webhook's answer
  std::vector<jn_webhook_change> webhook_strs;
  std::vector<std::uint32_t> lookup_index;
};

struct SourceHolder {
  explicit SourceHolder(Host h) : host(h) {}
  std::unique_ptr<Source> source;
  Host host;
  BatchBuilder records;
  std::string cursor;
};

struct SinkHolder {
  explicit SinkHolder(Host h) : host(h) {}
  std::unique_ptr<Sink> sink;
  Host host;
  std::deque<std::string> texts;
};

inline std::vector<std::string> to_strings(const jn_str *items, std::uint32_t count) {
  std::vector<std::string> out;
  out.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) out.emplace_back(view(items[i]));
  return out;
}

// Runs fn; any exception becomes a status, its words go to the host. An exception that is
// not a junction::Error (or out of memory) becomes `otherwise`.
template <typename Fn>
jn_status guarded(const Host &host, Fn &&fn, jn_status otherwise = JN_FATAL) noexcept {
  try {
    fn();
    return JN_OK;
  } catch (const TransientError &e) {
    host.set_error(e.what());
    if (e.retry_after_ms() > 0) host.set_retry_after(e.retry_after_ms());
    return JN_TRANSIENT;
  } catch (const Error &e) {
    host.set_error(e.what());
    return static_cast<jn_status>(e.status());
  } catch (const std::bad_alloc &) {
    host.set_error("out of memory");
    return JN_FATAL;
  } catch (const std::exception &e) {
    host.set_error(e.what());
    return otherwise;
  } catch (...) {
    host.set_error("unknown exception in connector");
    return otherwise;
  }
}

template <typename ConnectorType>
struct Adapter {
  static jn_status create(const jn_host_api *api, jn_host_context *ctx,
                          const jn_connector_info *info, void **out) noexcept {
    const Host host(api, ctx);
    // A constructor only reads its config (create does no I/O), so whatever it throws,
    // short of running out of memory, is a problem of the config: text that is not JSON,
    // a number out of range.
    return guarded(
        host,
        [&] {
          auto holder = std::make_unique<ConnectorHolder>(host);
          const ConnectorInit init{host, std::string(view(info->name)),
                                   std::string(view(info->config)),
                                   std::string(view(info->base_dir))};
          holder->connector = std::make_unique<ConnectorType>(init);
          *out = holder.release();
        },
        JN_INVALID_CONFIG);
  }
  static void destroy(void *connector) noexcept {
    delete static_cast<ConnectorHolder *>(connector);
  }

  static jn_status source_open(void *connector, const jn_source_request *request,
                               void **out) noexcept {
    auto *c = static_cast<ConnectorHolder *>(connector);
    return guarded(c->host, [&] {
      SourceRequest req;
      req.entity = std::string(view(request->entity));
      req.cursor = std::string(view(request->cursor));
      req.mode = static_cast<ReadMode>(request->mode);
      req.batch_size = request->batch_size;
      req.key_fields = to_strings(request->key_fields, request->key_count);
      constexpr std::size_t with_fields =
          offsetof(jn_source_request, field_names) + sizeof(const jn_str *);
      if (request->struct_size >= with_fields && request->field_names != nullptr) {
        req.fields = to_strings(request->field_names, request->field_count);
      }
      auto holder = std::make_unique<SourceHolder>(c->host);
      holder->source = c->connector->open_source(req);
      *out = holder.release();
    });
  }
  static jn_status source_next(void *source, jn_source_batch *out) noexcept {
    auto *s = static_cast<SourceHolder *>(source);
    return guarded(s->host, [&] {
      s->records.clear();
      SourceBatch batch{s->records, s->cursor, false};
      s->source->next(batch);
      out->end = batch.end ? 1 : 0;
      out->batch = s->records.batch();
      out->cursor = make_str(s->cursor);
    });
  }
  static jn_status source_acknowledge(void *source, jn_str cursor) noexcept {
    auto *s = static_cast<SourceHolder *>(source);
    return guarded(s->host, [&] { s->source->acknowledge(view(cursor)); });
  }
  static void source_close(void *source) noexcept { delete static_cast<SourceHolder *>(source); }

  static jn_status sink_open(void *connector, const jn_sink_request *request, void **out) noexcept {
    auto *c = static_cast<ConnectorHolder *>(connector);
    return guarded(c->host, [&] {
      SinkRequest req;
      req.entity = std::string(view(request->entity));
      req.key_fields = to_strings(request->key_fields, request->key_count);
      req.run_id = std::string(view(request->run_id));
      auto holder = std::make_unique<SinkHolder>(c->host);
      holder->sink = c->connector->open_sink(req);
      *out = holder.release();
    });
  }
  static jn_status sink_write(void *sink, const jn_batch *batch, jn_outcome *outcomes) noexcept {
    auto *s = static_cast<SinkHolder *>(sink);
    return guarded(s->host, [&] {
      s->texts.clear();
      Outcomes results(outcomes, batch->record_count, s->texts);
      s->sink->write(BatchView(*batch), results);
    });
  }
  static jn_status sink_commit(void *sink) noexcept {
    auto *s = static_cast<SinkHolder *>(sink);
    return guarded(s->host, [&] { s->sink->commit(); });
  }
  static void sink_close(void *sink) noexcept { delete static_cast<SinkHolder *>(sink); }

  static jn_status wait_for_changes(void *connector, jn_str entity, std::uint32_t timeout_ms,
                                    std::int32_t *changed) noexcept {
    auto *c = static_cast<ConnectorHolder *>(connector);
    return guarded(c->host, [&] {
      const auto result = c->connector->wait_for_changes(std::string(view(entity)),
                                                         std::chrono::milliseconds(timeout_ms));
      *changed = !result ? -1 : (*result ? 1 : 0);
    });
  }

  static jn_status describe_fields(void *connector, jn_str entity, jn_field_list *out) noexcept {
    auto *c = static_cast<ConnectorHolder *>(connector);
    return guarded(c->host, [&] {
      auto fields = c->connector->describe_fields(std::string(view(entity)));
      c->field_names = fields ? std::move(*fields) : std::vector<std::string>{};
      c->field_strs.clear();
      for (const auto &f : c->field_names) c->field_strs.push_back(make_str(f));
      out->known = fields ? 1 : 0;
      out->field_count = static_cast<std::uint32_t>(c->field_strs.size());
      out->field_names = c->field_strs.data();
    });
  }
  static jn_status lookup(void *connector, const jn_lookup_request *request,
                          jn_lookup_result *out) noexcept {
    auto *c = static_cast<ConnectorHolder *>(connector);
    return guarded(c->host, [&] {
      if (request == nullptr || request->queries == nullptr || out == nullptr) {
        throw FatalError("lookup called without a request");
      }
      c->lookup_found.clear();
      c->lookup_index.clear();
      LookupRequest r{std::string(view(request->entity)), BatchView(*request->queries), {}};
      for (std::uint32_t i = 0; i < request->field_count; ++i) {
        r.fields.emplace_back(view(request->field_names[i]));
      }
      c->connector->lookup(r, c->lookup_found, c->lookup_index);
      if (c->lookup_index.size() != c->lookup_found.size()) {
        throw FatalError("lookup answered " + std::to_string(c->lookup_found.size()) +
                         " records with " + std::to_string(c->lookup_index.size()) +
                         " query indexes");
      }
      out->found = c->lookup_found.batch();
      out->query_index = c->lookup_index.data();
    });
  }
  static jn_status webhook(void *connector, const jn_webhook_request *request,
                           jn_webhook_result *out) noexcept {
    auto *c = static_cast<ConnectorHolder *>(connector);
    return guarded(c->host, [&] {
      if (request == nullptr || out == nullptr ||
          (request->header_count > 0 && !request->headers)) {
        throw FatalError("webhook called without a request");
      }
      WebhookRequest r{std::string(view(request->method)),
                       std::string(view(request->url)),
                       {},
                       std::string(view(request->body))};
      for (std::uint32_t i = 0; i < request->header_count; ++i) {
        r.headers[std::string(view(request->headers[i].name))] =
            std::string(view(request->headers[i].value));
      }
      c->webhook_changes = c->connector->webhook(r);
      c->webhook_strs.clear();
      for (const auto &change : c->webhook_changes) {
        c->webhook_strs.push_back({make_str(change.entity), make_str(change.key)});
      }
      out->change_count = static_cast<std::uint32_t>(c->webhook_strs.size());
      out->changes = c->webhook_strs.data();
    });
  }
  static constexpr bool can_receive_webhooks() {
    if constexpr (requires { ConnectorType::can_receive_webhooks; }) {
      return ConnectorType::can_receive_webhooks;
    }
    return false;
  }
  static constexpr bool can_look_up() {
    if constexpr (requires { ConnectorType::can_look_up; }) return ConnectorType::can_look_up;
    return false;
  }

  static const jn_plugin *table(const char *name, const char *version, bool is_source,
                                bool is_sink) {
    static const jn_source_api source_api{sizeof(jn_source_api), &source_open, &source_next,
                                          &source_acknowledge, &source_close};
    static const jn_sink_api sink_api{sizeof(jn_sink_api), &sink_open, &sink_write, &sink_commit,
                                      &sink_close};
    static const jn_plugin plugin{sizeof(jn_plugin),
                                  JN_ABI_MAJOR,
                                  JN_ABI_MINOR,
                                  name,
                                  version,
                                  &create,
                                  &destroy,
                                  is_source ? &source_api : nullptr,
                                  is_sink ? &sink_api : nullptr,
                                  &wait_for_changes,
                                  &describe_fields,
                                  can_look_up() ? &lookup : nullptr,
                                  can_receive_webhooks() ? &webhook : nullptr};
    return &plugin;
  }
};

}  // namespace junction::detail

// The ABI stamp the host reads from the file before loading it.
#define JUNCTION_ABI_STAMP()                                      \
  extern "C" __attribute__((used, section(JN_ABI_STAMP_SECTION))) \
  const jn_abi_stamp junction_abi_stamp = {                       \
      {'J', 'N', 'P', 'L', 'U', 'G', 'I', 'N'}, JN_ABI_MAJOR, JN_ABI_MINOR}

// Exports a connector class. JUNCTION_PLUGIN_NAME and JUNCTION_PLUGIN_VERSION come from the
// plugin's manifest through junction_add_plugin() in CMake, so the two cannot drift.
// ROLES: JUNCTION_SOURCE, JUNCTION_SINK or JUNCTION_SOURCE_AND_SINK.
#define JUNCTION_SOURCE true, false
#define JUNCTION_SINK false, true
#define JUNCTION_SOURCE_AND_SINK true, true
#define JUNCTION_PLUGIN(ConnectorType, ROLES)                                                 \
  JUNCTION_ABI_STAMP();                                                                       \
  extern "C" JUNCTION_EXPORT const jn_plugin *junction_plugin_entry(std::uint32_t major,      \
                                                                    std::uint32_t minor) {    \
    (void)minor;                                                                              \
    if (major != JN_ABI_MAJOR) return nullptr;                                                \
    return ::junction::detail::Adapter<ConnectorType>::table(JUNCTION_PLUGIN_NAME,            \
                                                             JUNCTION_PLUGIN_VERSION, ROLES); \
  }
