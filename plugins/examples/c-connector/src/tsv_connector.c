/* The "tsv" connector: each entity is a tab-separated file DIR/ENTITY.tsv. As a source it
 * reads a snapshot of the file; as a sink it applies upserts and deletes by key and
 * replaces the file atomically on commit. Plain C99 against abi.h alone. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <junction/abi.h>

#include "config_reader.h"
#include "tsv_table.h"

#ifndef JUNCTION_PLUGIN_NAME /* junction_add_plugin() defines both from manifest.json */
#define JUNCTION_PLUGIN_NAME "tsv"
#define JUNCTION_PLUGIN_VERSION "1.0.0"
#endif

#define EXPORT __attribute__((visibility("default")))

/* The ABI the host checks before loading this file. */
__attribute__((used, section(JN_ABI_STAMP_SECTION))) const jn_abi_stamp junction_abi_stamp = {
    {'J', 'N', 'P', 'L', 'U', 'G', 'I', 'N'}, JN_ABI_MAJOR, JN_ABI_MINOR};

typedef struct connector {
  const jn_host_api *host;
  jn_host_context *ctx;
  char *dir;
} connector;

/* Reports why the current call fails and returns `status`. */
static jn_status fail(const connector *c, jn_status status, const char *why) {
  const jn_str message = {why, strlen(why)};
  c->host->set_error(c->ctx, message);
  return status;
}

/* DIR/ENTITY.tsv into `path`; entity names are letters, digits, '_' and '-' only, so that
 * no entity reaches outside DIR. */
static int entity_path(const connector *c, jn_str entity, char *path, size_t size, char *why,
                       size_t why_size) {
  if (entity.size == 0 || entity.size > 100) {
    snprintf(why, why_size, "entity names have 1 to 100 characters");
    return -1;
  }
  for (size_t i = 0; i < entity.size; ++i) {
    const char ch = entity.data[i];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
          ch == '_' || ch == '-')) {
      snprintf(why, why_size, "entity \"%.*s\": only letters, digits, _ and - are allowed",
               (int)entity.size, entity.data);
      return -1;
    }
  }
  if (snprintf(path, size, "%s/%.*s.tsv", c->dir, (int)entity.size, entity.data) >= (int)size) {
    snprintf(why, why_size, "the path of entity %.*s is too long", (int)entity.size, entity.data);
    return -1;
  }
  return 0;
}

/* ---- connector ------------------------------------------------------------------------ */

static jn_status tsv_create(const jn_host_api *host, jn_host_context *ctx,
                            const jn_connector_info *info, void **out) {
  connector probe = {host, ctx, NULL};
  char why[256];
  char *dir = config_string(info->config.data, info->config.size, "dir", why, sizeof why);
  if (dir == NULL) return fail(&probe, JN_INVALID_CONFIG, why);
  if (dir[0] == '\0') {
    free(dir);
    return fail(&probe, JN_INVALID_CONFIG, "config: \"dir\" must not be empty");
  }
  connector *c = calloc(1, sizeof *c);
  char *full = NULL;
  if (c != NULL && dir[0] != '/' && info->base_dir.size > 0) {
    full = malloc(info->base_dir.size + strlen(dir) + 2);
    if (full != NULL) {
      sprintf(full, "%.*s/%s", (int)info->base_dir.size, info->base_dir.data, dir);
    }
    free(dir);
    dir = full;
  }
  if (c == NULL || dir == NULL) {
    free(c);
    free(dir);
    return fail(&probe, JN_FATAL, "out of memory");
  }
  c->host = host;
  c->ctx = ctx;
  c->dir = dir;
  *out = c;
  return JN_OK;
}

static void tsv_destroy(void *handle) {
  connector *c = handle;
  free(c->dir);
  free(c);
}

/* ---- source --------------------------------------------------------------------------- */

typedef struct source {
  connector *c;
  tsv_table table;
  size_t next_row;
  uint32_t batch_size;
  uint32_t key_fields[64];
  uint32_t key_count;
  /* The last batch handed out, valid until the next call. */
  jn_str *names;
  jn_record *records;
  jn_value *values;
  jn_batch batch;
  char cursor[32];
} source;

static void source_free(source *s) {
  tsv_free(&s->table);
  free(s->names);
  free(s->records);
  free(s->values);
  free(s);
}

static jn_status source_open(void *handle, const jn_source_request *request, void **out) {
  connector *c = handle;
  char path[4096], why[512];
  if (entity_path(c, request->entity, path, sizeof path, why, sizeof why) != 0) {
    return fail(c, JN_INVALID_CONFIG, why);
  }
  source *s = calloc(1, sizeof *s);
  if (s == NULL) return fail(c, JN_FATAL, "out of memory");
  s->c = c;
  s->batch_size = request->batch_size == 0 ? 1000 : request->batch_size;
  if (tsv_load(path, &s->table, why, sizeof why) != 0) {
    source_free(s);
    return fail(c, JN_TRANSIENT, why);
  }
  /* The cursor is "row:N", the rows already read of this snapshot. */
  if (request->cursor.size > 0) {
    char text[32];
    char *end = NULL;
    const size_t size =
        request->cursor.size < sizeof text - 1 ? request->cursor.size : sizeof text - 1;
    memcpy(text, request->cursor.data, size);
    text[size] = '\0';
    const unsigned long long row = strncmp(text, "row:", 4) == 0 ? strtoull(text + 4, &end, 10) : 0;
    if (end == NULL || *end != '\0' || request->cursor.size >= sizeof text) {
      source_free(s);
      return fail(c, JN_INVALID_CONFIG, "not a cursor of this connector (expected row:N)");
    }
    s->next_row = row > s->table.row_count ? s->table.row_count : (size_t)row;
  }
  /* The flow's key fields, or the file's first column. */
  for (uint32_t k = 0; k < request->key_count && k < 64; ++k) {
    const long f =
        tsv_field(&s->table, request->key_fields[k].data, request->key_fields[k].size, 0);
    if (f < 0 && s->table.field_count > 0) {
      source_free(s);
      return fail(c, JN_INVALID_CONFIG, "a key field is not a column of the file");
    }
    if (f >= 0) s->key_fields[s->key_count++] = (uint32_t)f;
  }
  if (s->key_count == 0 && s->table.field_count > 0) s->key_fields[s->key_count++] = 0;
  *out = s;
  return JN_OK;
}

static jn_status source_next(void *handle, jn_source_batch *out) {
  source *s = handle;
  const tsv_table *t = &s->table;
  size_t count = t->row_count - s->next_row;
  if (count > s->batch_size) count = s->batch_size;
  free(s->names);
  free(s->records);
  free(s->values);
  s->names = calloc(t->field_count + 1, sizeof *s->names);
  s->records = calloc(count + 1, sizeof *s->records);
  s->values = calloc(count * t->field_count + 1, sizeof *s->values);
  if (s->names == NULL || s->records == NULL || s->values == NULL) {
    return fail(s->c, JN_FATAL, "out of memory");
  }
  for (size_t f = 0; f < t->field_count; ++f) {
    s->names[f].data = t->fields[f];
    s->names[f].size = strlen(t->fields[f]);
  }
  for (size_t r = 0; r < count; ++r) {
    char **row = t->rows[s->next_row + r];
    s->records[r].op = JN_OP_UPSERT;
    s->records[r].changed_at = JN_TIME_UNKNOWN;
    for (size_t f = 0; f < t->field_count; ++f) {
      jn_value *v = &s->values[r * t->field_count + f];
      if (row[f] == NULL) {
        v->type = JN_NULL;
      } else {
        v->type = JN_STRING;
        v->u.text = row[f];
        v->size = (uint32_t)strlen(row[f]);
      }
    }
  }
  s->next_row += count;
  s->batch.struct_size = sizeof s->batch;
  s->batch.field_count = (uint32_t)t->field_count;
  s->batch.field_names = s->names;
  s->batch.key_count = s->key_count;
  s->batch.key_fields = s->key_fields;
  s->batch.record_count = count;
  s->batch.records = s->records;
  s->batch.values = s->values;
  snprintf(s->cursor, sizeof s->cursor, "row:%zu", s->next_row);
  out->batch = &s->batch;
  out->end = s->next_row >= t->row_count;
  out->cursor.data = s->cursor;
  out->cursor.size = strlen(s->cursor);
  return JN_OK;
}

static jn_status source_acknowledge(void *handle, jn_str cursor) {
  (void)handle; /* a snapshot has nothing to trim */
  (void)cursor;
  return JN_OK;
}

static void source_close(void *handle) {
  source_free(handle);
}

/* ---- sink ----------------------------------------------------------------------------- */

typedef struct sink {
  connector *c;
  char path[4096];
  tsv_table table;
  char **key_names;
  uint32_t key_count;
  char message[256]; /* the last rejected record's reason */
} sink;

static void sink_free(sink *s) {
  for (uint32_t k = 0; k < s->key_count; ++k) free(s->key_names[k]);
  free(s->key_names);
  tsv_free(&s->table);
  free(s);
}

static jn_status sink_open(void *handle, const jn_sink_request *request, void **out) {
  connector *c = handle;
  char why[512];
  if (request->key_count == 0) return fail(c, JN_INVALID_CONFIG, "the tsv sink needs a key");
  sink *s = calloc(1, sizeof *s);
  if (s == NULL) return fail(c, JN_FATAL, "out of memory");
  s->c = c;
  s->key_names = calloc(request->key_count, sizeof *s->key_names);
  if (s->key_names == NULL) {
    sink_free(s);
    return fail(c, JN_FATAL, "out of memory");
  }
  for (; s->key_count < request->key_count; ++s->key_count) {
    const jn_str k = request->key_fields[s->key_count];
    s->key_names[s->key_count] = malloc(k.size + 1);
    if (s->key_names[s->key_count] == NULL) {
      sink_free(s);
      return fail(c, JN_FATAL, "out of memory");
    }
    memcpy(s->key_names[s->key_count], k.data, k.size);
    s->key_names[s->key_count][k.size] = '\0';
  }
  if (entity_path(c, request->entity, s->path, sizeof s->path, why, sizeof why) != 0 ||
      tsv_load(s->path, &s->table, why, sizeof why) != 0) {
    sink_free(s);
    return fail(c, JN_INVALID_CONFIG, why);
  }
  *out = s;
  return JN_OK;
}

/* A value as the text stored in a cell; NULL for null. `buffer` holds numbers. */
static const char *text_of(const jn_value *v, char *buffer, size_t size, size_t *length) {
  switch (v->type) {
    case JN_NULL: return NULL;
    case JN_BOOL: snprintf(buffer, size, "%s", v->u.i64 != 0 ? "true" : "false"); break;
    case JN_INT64:
    case JN_TIMESTAMP:
    case JN_DATE: snprintf(buffer, size, "%lld", (long long)v->u.i64); break;
    case JN_DOUBLE: snprintf(buffer, size, "%.17g", v->u.f64); break;
    default: *length = v->size; return v->u.text == NULL ? "" : v->u.text;
  }
  *length = strlen(buffer);
  return buffer;
}

/* The row whose key cells equal the record's, or -1. */
static long find_row(const sink *s, const jn_batch *batch, size_t record, const long *key_columns) {
  for (size_t r = 0; r < s->table.row_count; ++r) {
    int same = 1;
    for (uint32_t k = 0; k < s->key_count && same; ++k) {
      const jn_value *v = &batch->values[record * batch->field_count + batch->key_fields[k]];
      char buffer[64];
      size_t length = 0;
      const char *text = text_of(v, buffer, sizeof buffer, &length);
      const char *cell = key_columns[k] < 0 ? NULL : s->table.rows[r][key_columns[k]];
      same =
          text != NULL && cell != NULL && strlen(cell) == length && memcmp(cell, text, length) == 0;
    }
    if (same) return (long)r;
  }
  return -1;
}

static void reject(sink *s, jn_outcome *outcome, const char *why) {
  snprintf(s->message, sizeof s->message, "%s", why);
  outcome->status = JN_RECORD_REJECTED;
  outcome->message.data = s->message;
  outcome->message.size = strlen(s->message);
}

static jn_status sink_write(void *handle, const jn_batch *batch, jn_outcome *outcomes) {
  sink *s = handle;
  if (batch->key_count != s->key_count)
    return fail(s->c, JN_FATAL, "the batch's key is not the sink's");
  long key_columns[64];
  if (s->key_count > 64) return fail(s->c, JN_INVALID_CONFIG, "more than 64 key fields");
  /* Every field of the batch becomes a column of the file. */
  long columns[4096];
  if (batch->field_count > 4096) return fail(s->c, JN_RECORD_REJECTED, "more than 4096 fields");
  for (uint32_t f = 0; f < batch->field_count; ++f) {
    columns[f] = tsv_field(&s->table, batch->field_names[f].data, batch->field_names[f].size, 1);
    if (columns[f] < 0) return fail(s->c, JN_FATAL, "out of memory");
  }
  for (uint32_t k = 0; k < s->key_count; ++k) key_columns[k] = columns[batch->key_fields[k]];
  for (size_t r = 0; r < batch->record_count; ++r) {
    jn_outcome *outcome = &outcomes[r];
    int key_missing = 0;
    for (uint32_t k = 0; k < s->key_count; ++k) {
      const uint32_t type = batch->values[r * batch->field_count + batch->key_fields[k]].type;
      key_missing |= type == JN_NULL || type == JN_ABSENT;
    }
    if (key_missing) {
      reject(s, outcome, "a key field is empty");
      continue;
    }
    int has_nul = 0;
    for (uint32_t f = 0; f < batch->field_count; ++f) {
      const jn_value *v = &batch->values[r * batch->field_count + f];
      char buffer[64];
      size_t length = 0;
      const char *text = v->type == JN_ABSENT ? NULL : text_of(v, buffer, sizeof buffer, &length);
      has_nul |= text != NULL && memchr(text, '\0', length) != NULL;
    }
    if (has_nul) {
      reject(s, outcome, "a value holds a NUL byte, which a TSV cell cannot");
      continue;
    }
    long row = find_row(s, batch, r, key_columns);
    if (batch->records[r].op == JN_OP_DELETE) {
      if (row >= 0) tsv_remove_row(&s->table, (size_t)row);
      outcome->action = row >= 0 ? JN_WROTE_DELETED : JN_WROTE_NOTHING;
      continue;
    }
    const int created = row < 0;
    if (created && (row = tsv_add_row(&s->table)) < 0) return fail(s->c, JN_FATAL, "out of memory");
    int changed = created;
    for (uint32_t f = 0; f < batch->field_count; ++f) {
      const jn_value *v = &batch->values[r * batch->field_count + f];
      if (v->type == JN_ABSENT) continue;
      char buffer[64];
      size_t length = 0;
      const char *text = text_of(v, buffer, sizeof buffer, &length);
      const char *cell = s->table.rows[row][columns[f]];
      const int same = (text == NULL && cell == NULL) ||
                       (text != NULL && cell != NULL && strlen(cell) == length &&
                        memcmp(cell, text, length) == 0);
      if (same) continue;
      if (tsv_set(&s->table, (size_t)row, (size_t)columns[f], text, length) != 0) {
        return fail(s->c, JN_FATAL, "out of memory");
      }
      changed = 1;
    }
    outcome->action = created ? JN_WROTE_CREATED : changed ? JN_WROTE_UPDATED : JN_WROTE_NOTHING;
  }
  return JN_OK;
}

static jn_status sink_commit(void *handle) {
  sink *s = handle;
  char why[512];
  if (tsv_save(s->path, &s->table, why, sizeof why) != 0) return fail(s->c, JN_TRANSIENT, why);
  return JN_OK;
}

/* Without commit nothing reached the file: there is nothing to undo. */
static void sink_close(void *handle) {
  sink_free(handle);
}

/* ---- the table ------------------------------------------------------------------------ */

static const jn_source_api source_api = {sizeof(jn_source_api), source_open, source_next,
                                         source_acknowledge, source_close};
static const jn_sink_api sink_api = {sizeof(jn_sink_api), sink_open, sink_write, sink_commit,
                                     sink_close};

static const jn_plugin plugin = {sizeof(jn_plugin),
                                 JN_ABI_MAJOR,
                                 JN_ABI_MINOR,
                                 JUNCTION_PLUGIN_NAME,
                                 JUNCTION_PLUGIN_VERSION,
                                 tsv_create,
                                 tsv_destroy,
                                 &source_api,
                                 &sink_api,
                                 NULL, /* wait_for_changes: the host polls on its schedule */
                                 NULL, /* describe_fields */
                                 NULL, /* lookup */
                                 NULL /* webhook */};

EXPORT const jn_plugin *junction_plugin_entry(uint32_t host_abi_major, uint32_t host_abi_minor) {
  (void)host_abi_minor;
  return host_abi_major == JN_ABI_MAJOR ? &plugin : NULL;
}
