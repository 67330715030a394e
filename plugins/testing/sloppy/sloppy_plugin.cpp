// Test plugin "sloppy": a correct in-memory source and sink (records kept per connector,
// in write order) that breaks exactly one rule when its config names a fault. Written
// against abi.h directly, so that each fault is a real ABI-level mistake.
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <junction/abi.h>

namespace {

struct Row {
  std::string key;
  std::vector<std::pair<std::string, std::string>> fields;  // text values; "\x01" is null
};

struct Connector {
  const jn_host_api *host;
  jn_host_context *ctx;
  std::string fault;
  std::thread::id created_on;
  std::vector<Row> rows;  // committed
  bool has(const char *name) const { return fault == name; }
};

jn_status fail(const Connector &c, jn_status status, const std::string &why) {
  c.host->set_error(c.ctx, jn_str{why.data(), why.size()});
  return status;
}

bool wrong_thread(const Connector &c) {
  return c.has("thread_bound") && std::this_thread::get_id() != c.created_on;
}

// The fault comes from $SLOPPY_FAULT (read once per create: no I/O); a config is valid when
// it says "valid": true.
jn_status create(const jn_host_api *host, jn_host_context *ctx, const jn_connector_info *info,
                 void **out) {
  const char *env = std::getenv("SLOPPY_FAULT");
  const std::string fault = env == nullptr ? "none" : env;
  const std::string config(info->config.data, info->config.size);
  if (config.find("\"valid\":true") == std::string::npos && fault != "accepts_any_config") {
    const std::string why = "config: \"valid\":true is required";
    host->set_error(ctx, jn_str{why.data(), why.size()});
    return JN_INVALID_CONFIG;
  }
  if (fault == "io_in_create") {
    if (std::FILE *f = std::fopen("/proc/self/status", "r")) std::fclose(f);
  }
  *out = new Connector{host, ctx, fault, std::this_thread::get_id(), {}};
  return JN_OK;
}

void destroy(void *c) {
  delete static_cast<Connector *>(c);
}

// ---- source ----
struct Source {
  Connector *c;
  std::size_t next = 0;
  std::uint32_t batch_size;
  std::vector<std::string> names;
  std::vector<jn_str> name_strs;
  std::vector<jn_record> records;
  std::vector<jn_value> values;
  std::vector<std::string> texts;
  std::string cursor;
  jn_batch batch{};
};

jn_status source_open(void *handle, const jn_source_request *request, void **out) {
  auto *c = static_cast<Connector *>(handle);
  if (wrong_thread(*c)) return fail(*c, JN_FATAL, "called from another thread");
  const std::string entity(request->entity.data, request->entity.size);
  if (entity != "people") {
    if (c->has("throws")) throw std::runtime_error("no entity " + entity);
    return fail(*c, JN_INVALID_CONFIG, "no entity " + entity);
  }
  auto *s = new Source{
      c, 0, request->batch_size == 0 ? 100 : request->batch_size, {}, {}, {}, {}, {}, {}, {}};
  const std::string cursor(request->cursor.data, request->cursor.size);
  if (!cursor.empty() && !c->has("repeats_on_resume")) {
    try {
      s->next = std::stoul(cursor);
    } catch (const std::exception &) {
      delete s;
      return fail(*c, JN_INVALID_CONFIG, "not a cursor: " + cursor);
    }
  }
  *out = s;
  return JN_OK;
}

jn_status source_next(void *handle, jn_source_batch *out) {
  auto *s = static_cast<Source *>(handle);
  if (wrong_thread(*s->c)) return fail(*s->c, JN_FATAL, "called from another thread");
  std::size_t total = s->c->rows.size();
  if (s->c->has("drops_a_record") && total > 0) --total;
  s->names.clear();
  for (std::size_t r = 0; r < total; ++r) {
    for (const auto &[name, value] : s->c->rows[r].fields) {
      bool known = false;
      for (const auto &n : s->names) known = known || n == name;
      if (!known) s->names.push_back(name);
    }
  }
  s->name_strs.clear();
  for (const auto &n : s->names) s->name_strs.push_back({n.data(), n.size()});
  const std::size_t end = std::min(total, s->next + s->batch_size);
  s->records.assign(end > s->next ? end - s->next : 0, jn_record{});
  s->values.assign(s->records.size() * s->names.size(), jn_value{});
  for (std::size_t r = s->next; r < end; ++r) {
    auto &record = s->records[r - s->next];
    record.changed_at = JN_TIME_UNKNOWN;
    for (std::size_t f = 0; f < s->names.size(); ++f) {
      auto &v = s->values[(r - s->next) * s->names.size() + f];
      v.type = JN_ABSENT;
      for (const auto &[name, value] : s->c->rows[r].fields) {
        if (name != s->names[f]) continue;
        if (value == "\x01") {
          v.type = JN_NULL;
        } else {
          v.type = JN_STRING;
          v.u.text = value.data();
          v.size = static_cast<std::uint32_t>(value.size());
        }
      }
    }
  }
  s->next = end;
  s->cursor = std::to_string(s->next);
  s->batch = jn_batch{sizeof(jn_batch),
                      static_cast<std::uint32_t>(s->names.size()),
                      s->name_strs.data(),
                      0,
                      nullptr,
                      s->records.size(),
                      s->records.data(),
                      s->values.data(),
                      nullptr,
                      nullptr};
  out->batch = &s->batch;
  out->end = s->next >= total ? 1 : 0;
  out->cursor = {s->cursor.data(), s->cursor.size()};
  return JN_OK;
}

jn_status source_acknowledge(void *, jn_str) {
  return JN_OK;
}
void source_close(void *s) {
  delete static_cast<Source *>(s);
}

// ---- sink ----
struct Sink {
  Connector *c;
  std::vector<Row> rows;  // the connector's rows with this sink's writes applied
  std::string message;
};

jn_status sink_open(void *handle, const jn_sink_request *request, void **out) {
  auto *c = static_cast<Connector *>(handle);
  if (wrong_thread(*c)) return fail(*c, JN_FATAL, "called from another thread");
  const std::string entity(request->entity.data, request->entity.size);
  if (entity != "people") return fail(*c, JN_INVALID_CONFIG, "no entity " + entity);
  *out = new Sink{c, c->rows, {}};
  return JN_OK;
}

std::string text_of(const jn_value &v) {
  if (v.type == JN_NULL) return "\x01";
  if (v.type == JN_STRING || v.type == JN_DECIMAL || v.type == JN_JSON) {
    return std::string(v.u.text, v.size);
  }
  return std::to_string(v.u.i64);
}

// Whether the stored row keyed `key` holds every value record `r` of the batch expects.
bool holds_expected(const Sink &s, const jn_batch &batch, std::size_t r, const std::string &key) {
  if (batch.struct_size < offsetof(jn_batch, expected) + sizeof(void *) ||
      batch.expected == nullptr) {
    return true;
  }
  const Row *stored = nullptr;
  for (const auto &existing : s.rows) {
    if (existing.key == key) stored = &existing;
  }
  for (std::uint32_t f = 0; f < batch.field_count; ++f) {
    const jn_value &e = batch.expected[r * batch.field_count + f];
    if (e.type == JN_ABSENT) continue;
    if (stored == nullptr) return false;
    const std::string name(batch.field_names[f].data, batch.field_names[f].size);
    std::string held;
    for (const auto &[field, text] : stored->fields) {
      if (field == name) held = text;
    }
    if (held != text_of(e)) return false;
  }
  return true;
}

jn_status sink_write(void *handle, const jn_batch *batch, jn_outcome *outcomes) {
  auto *s = static_cast<Sink *>(handle);
  if (wrong_thread(*s->c)) return fail(*s->c, JN_FATAL, "called from another thread");
  for (std::size_t r = 0; r < batch->record_count; ++r) {
    Row row;
    for (std::uint32_t f = 0; f < batch->field_count; ++f) {
      const jn_value &v = batch->values[r * batch->field_count + f];
      std::string text;
      if (v.type == JN_ABSENT) continue;
      if (v.type == JN_NULL)
        text = "\x01";
      else if (v.type == JN_STRING || v.type == JN_DECIMAL || v.type == JN_JSON)
        text.assign(v.u.text, v.size);
      else
        text = std::to_string(v.u.i64);
      row.fields.emplace_back(std::string(batch->field_names[f].data, batch->field_names[f].size),
                              text);
    }
    for (std::uint32_t k = 0; k < batch->key_count; ++k) {
      const jn_value &v = batch->values[r * batch->field_count + batch->key_fields[k]];
      if (v.type == JN_STRING) row.key.append(v.u.text, v.size);
      row.key += '\x1f';
    }
    if (!s->c->has("ignores_expectations") && !holds_expected(*s, *batch, r, row.key)) {
      outcomes[r].status = JN_STALE;
      s->message = "the record does not hold what the batch expects";
      outcomes[r].message = {s->message.data(), s->message.size()};
      continue;
    }
    bool found = false;
    for (auto &existing : s->rows) {
      if (existing.key == row.key && !s->c->has("duplicates_on_rewrite")) {
        existing = row;
        found = true;
      }
    }
    if (!found) s->rows.push_back(row);
    outcomes[r].status = JN_OK;
    outcomes[r].action = found ? JN_WROTE_UPDATED : JN_WROTE_CREATED;
  }
  if (s->c->has("writes_past_outcomes")) outcomes[batch->record_count].status = JN_OK;
  if (s->c->has("keeps_uncommitted")) s->c->rows = s->rows;
  return JN_OK;
}

jn_status sink_commit(void *handle) {
  auto *s = static_cast<Sink *>(handle);
  if (wrong_thread(*s->c)) return fail(*s->c, JN_FATAL, "called from another thread");
  s->c->rows = s->rows;
  return JN_OK;
}

void sink_close(void *s) {
  delete static_cast<Sink *>(s);
}

const jn_source_api source_api{sizeof(jn_source_api), source_open, source_next, source_acknowledge,
                               source_close};
const jn_sink_api sink_api{sizeof(jn_sink_api), sink_open, sink_write, sink_commit, sink_close};

}  // namespace

extern "C" __attribute__((used, section(JN_ABI_STAMP_SECTION)))
const jn_abi_stamp junction_abi_stamp = {
    {'J', 'N', 'P', 'L', 'U', 'G', 'I', 'N'}, JN_ABI_MAJOR, JN_ABI_MINOR};

extern "C" __attribute__((visibility("default"))) const jn_plugin *junction_plugin_entry(
    std::uint32_t major, std::uint32_t) {
  static const jn_plugin table{sizeof(jn_plugin),
                               JN_ABI_MAJOR,
                               JN_ABI_MINOR,
                               JUNCTION_PLUGIN_NAME,
                               JUNCTION_PLUGIN_VERSION,
                               create,
                               destroy,
                               &source_api,
                               &sink_api,
                               nullptr,
                               nullptr,
                               nullptr,
                               nullptr};
  return major == JN_ABI_MAJOR ? &table : nullptr;
}
