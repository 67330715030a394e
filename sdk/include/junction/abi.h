/*
 * Junction plugin ABI, version 1.2.
 *
 * The only contract between the Junction host and a connector plugin. Pure C so that a
 * connector can be written in any language that can export a C function. Rules:
 *  - No exception, no C++ type and no allocation ownership crosses this boundary.
 *  - Memory is owned by whoever created it. Data a plugin hands to the host (batches,
 *    cursors, outcomes, messages) stays valid until the next call on the same object;
 *    data the host hands to a plugin is valid for the duration of the call only.
 *  - Tables and requests (every struct with a struct_size first) may grow in a later minor
 *    version by appending fields; a reader never touches fields beyond the struct_size it
 *    was given. jn_str, jn_value, jn_record and jn_outcome are elements of arrays and have
 *    no struct_size: they change only with a new major version.
 *  - A minor version only appends; what a version added is marked "since 1.N".
 *  - Failures are returned as a jn_status; the words go through jn_host_api.set_error,
 *    called on the failing call's thread before it returns. The host copies them.
 *  - Threads: the host calls each object (connector, source, sink) from one thread at a
 *    time, but not always the same thread, and different objects may be called at the
 *    same time (a run reads a source while it writes a sink; a sync reads the sources of
 *    its systems at once, several of one connector among them). jn_host_api.log may be
 *    called from any thread.
 */
#ifndef JUNCTION_ABI_H
#define JUNCTION_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define JN_ABI_MAJOR 1
#define JN_ABI_MINOR 2

/* The one exported symbol of a plugin: returns its table, or NULL when it cannot run in a
 * host of this ABI (it may then call nothing else). */
#define JN_ENTRY_SYMBOL "junction_plugin_entry"

/* ELF sections the host reads without running plugin code. */
#define JN_ABI_STAMP_SECTION ".junction_abi"
#define JN_MANIFEST_SECTION ".junction_manifest"
#define JN_ABI_STAMP_MAGIC "JNPLUGIN"

/* Written into JN_ABI_STAMP_SECTION from this header's constants, so the ABI a plugin was
 * compiled against can be checked before the library is loaded. */
typedef struct jn_abi_stamp {
  char magic[8]; /* JN_ABI_STAMP_MAGIC, not NUL-terminated */
  uint32_t abi_major;
  uint32_t abi_minor;
} jn_abi_stamp;

/* ---- statuses ---------------------------------------------------------------------- */
typedef int32_t jn_status;
enum {
  JN_OK = 0,
  JN_TRANSIENT = 1,       /* try again later: timeout, lost connection, lock, 429, 5xx */
  JN_RECORD_REJECTED = 2, /* permanent failure of one record; the others are unaffected */
  JN_INVALID_CONFIG = 3,  /* the connector's configuration cannot work */
  JN_FATAL = 4,           /* the connector cannot go on (auth refused, broken invariant) */
  /* since 1.2, an outcome only: the record no longer held the batch's expected values
   * (jn_batch.expected), so nothing was written to it. Not a failure: the host reads the
   * record's new values in its next cycle. */
  JN_STALE = 5
};

/* ---- values and records ------------------------------------------------------------ */

/* Bytes with a length; UTF-8 where it holds text; not NUL-terminated. */
typedef struct jn_str {
  const char *data;
  size_t size;
} jn_str;

typedef uint32_t jn_value_type;
enum {
  JN_ABSENT = 0,    /* the record says nothing about this field (partial records) */
  JN_NULL = 1,      /* the field is known to be empty */
  JN_BOOL = 2,      /* u.i64: 0 or 1 */
  JN_INT64 = 3,     /* u.i64 */
  JN_DECIMAL = 4,   /* u.text: exact decimal, [-]digits[.digits], never through a float */
  JN_DOUBLE = 5,    /* u.f64 */
  JN_STRING = 6,    /* u.text: UTF-8 */
  JN_TIMESTAMP = 7, /* u.i64: microseconds since 1970-01-01T00:00:00Z */
  JN_DATE = 8,      /* u.i64: days since 1970-01-01 */
  JN_JSON = 9       /* u.text: one JSON document (nested objects and arrays) */
};

typedef struct jn_value {
  jn_value_type type;
  uint32_t size; /* byte length of u.text for DECIMAL, STRING and JSON */
  union {
    int64_t i64;
    double f64;
    const char *text;
  } u;
} jn_value;

typedef uint32_t jn_operation;
enum { JN_OP_UPSERT = 0, JN_OP_DELETE = 1 };

#define JN_TIME_UNKNOWN INT64_MIN

typedef struct jn_record {
  jn_operation op;
  uint32_t flags;     /* reserved, 0 */
  int64_t changed_at; /* microseconds since epoch, as the source says; JN_TIME_UNKNOWN */
  jn_str origin;      /* where the record was read, for people: "members.csv:42" */
  /* Non-empty when the source could not read this record (malformed row, invalid UTF-8):
   * why, in words. The host sends it to the error queue and the rest of the batch flows.
   * Its fields hold what could be read; `raw` the input as it was. */
  jn_str error;
  jn_str raw;
} jn_record;

/* A batch shares one field list across its records; values are row-major, field_count
 * per record. A field a record does not carry is JN_ABSENT. The key is the ordered list of
 * key field indices. */
typedef struct jn_batch {
  uint32_t struct_size;
  uint32_t field_count;
  const jn_str *field_names;
  uint32_t key_count;
  const uint32_t *key_fields;
  size_t record_count;
  const jn_record *records;
  const jn_value *values;
  /* since 1.1, in batches the host hands to a sink: NULL, or one per record, the record's
   * key in the target system as that system assigned it (the target_key of an earlier
   * outcome), empty while the host knows none. A sink addresses the record by it. */
  const jn_str *member_keys;
  /* since 1.2, in batches the host hands to a sink: NULL, or laid out like `values` (per
   * record, field_count values): what the host believes the target holds now in each field,
   * JN_ABSENT where it states nothing. A sink that declares "conditional_writes" in its
   * manifest writes (or deletes) a record only while the target still holds every value
   * stated, compared as the target compares the field, and answers JN_STALE otherwise; so
   * an edit made in the target after the host read it is never overwritten. */
  const jn_value *expected;
} jn_batch;

/* ---- host services ----------------------------------------------------------------- */
typedef struct jn_host_context jn_host_context; /* opaque, owned by the host */

typedef int32_t jn_log_level;
enum { JN_LOG_TRACE = 0, JN_LOG_DEBUG = 1, JN_LOG_INFO = 2, JN_LOG_WARN = 3, JN_LOG_ERROR = 4 };

/* since 1.1: one request (or `requests`) a connector is about to send on an API account;
 * see jn_host_api.spend_quota. */
typedef struct jn_quota_request {
  uint32_t struct_size;
  uint32_t requests; /* how many requests this spends, usually 1 */
  jn_str account;    /* who pays: a portal ID, a token's fingerprint; never a secret */
  /* The connector's own idea of the account's limits; the admin's config overrides them.
   * 0: none known. */
  int64_t window_ms;
  int64_t per_window;
  int64_t per_day;
} jn_quota_request;

typedef struct jn_host_api {
  uint32_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;
  void (*log)(jn_host_context *ctx, jn_log_level level, jn_str message);
  /* The reason for the status the current call is about to return. */
  void (*set_error)(jn_host_context *ctx, jn_str message);
  /* ---- since 1.1: call only when abi_minor >= 1 and struct_size covers the member. */
  /* 1 when the run is stopping (Ctrl-C, SIGTERM, a service shutting down): a connector
   * waiting (a rate limit, a slow page) returns early with JN_TRANSIENT. Any thread. */
  int32_t (*stopping)(jn_host_context *ctx);
  /* With JN_TRANSIENT about to be returned for a whole call: the remote service asked to be
   * called again no sooner than this (HTTP Retry-After); the host waits at least that long
   * instead of its own backoff. Called on the failing call's thread. */
  void (*set_retry_after)(jn_host_context *ctx, int64_t milliseconds);
  /* Asks the host's quota governor before sending requests on an account: the host keeps one
   * budget per account for every flow and sync of the process, and counts each day's use in
   * the state store. Blocks while the account's window is full, then counts the requests and
   * returns JN_OK. Returns JN_TRANSIENT with *wait_ms set when the day's budget is spent
   * (until it resets; the host stops the run at its next checkpoint) or the run is stopping:
   * the connector then fails its call as transient without sending anything. */
  jn_status (*spend_quota)(jn_host_context *ctx, const jn_quota_request *request, int64_t *wait_ms);
} jn_host_api;

/* ---- source ------------------------------------------------------------------------ */
typedef uint32_t jn_read_mode;
enum {
  JN_READ_INCREMENTAL = 0, /* records changed after the cursor */
  JN_READ_SNAPSHOT = 1     /* every live record; the host diffs keys to find deletes */
};

typedef struct jn_source_request {
  uint32_t struct_size;
  jn_read_mode mode;
  jn_str entity;
  jn_str cursor;       /* what the source returned last time; empty on the first run */
  uint32_t batch_size; /* preferred upper bound on records per batch */
  uint32_t key_count;  /* key fields the flow declared; 0 to use the source's own */
  const jn_str *key_fields;
  /* since 1.1: the fields the host will use (mapped, filtered, matched, keys), so that a
   * source reading named properties from an API asks only for these; 0: every field. A
   * source may still return more. */
  uint32_t field_count;
  const jn_str *field_names;
} jn_source_request;

typedef struct jn_source_batch {
  uint32_t struct_size;
  int32_t end;           /* 1: nothing more to read now (the batch may still hold records) */
  const jn_batch *batch; /* may be NULL or empty */
  jn_str cursor;         /* position after this batch: UTF-8 text, opaque to the host */
} jn_source_batch;

typedef struct jn_source_api {
  uint32_t struct_size;
  jn_status (*open)(void *connector, const jn_source_request *request, void **source);
  jn_status (*next)(void *source, jn_source_batch *out);
  /* Everything up to and including `cursor` is durably handled: trim logs, archive files. */
  jn_status (*acknowledge)(void *source, jn_str cursor);
  void (*close)(void *source);
} jn_source_api;

/* ---- sink -------------------------------------------------------------------------- */
typedef struct jn_sink_request {
  uint32_t struct_size;
  uint32_t key_count;
  jn_str entity;
  const jn_str *key_fields;
  jn_str run_id;
} jn_sink_request;

typedef uint32_t jn_write_action;
enum {
  JN_WROTE_NOTHING = 0, /* the target already held exactly this */
  JN_WROTE_CREATED = 1,
  JN_WROTE_UPDATED = 2,
  JN_WROTE_DELETED = 3,
  JN_WROTE_UNKNOWN = 4 /* since 1.1: written, but the target cannot tell created from updated */
};

/* One per record of a written batch, zeroed by the host before the call. */
typedef struct jn_outcome {
  jn_status status; /* JN_OK, JN_TRANSIENT, JN_RECORD_REJECTED or (since 1.2) JN_STALE */
  jn_write_action action;
  int64_t retry_after_ms; /* a hint with JN_TRANSIENT (HTTP Retry-After); 0 if none */
  jn_str target_key;      /* the key the target assigned or matched; empty if the same */
  jn_str message;         /* why, for JN_TRANSIENT and JN_RECORD_REJECTED */
} jn_outcome;

typedef struct jn_sink_api {
  uint32_t struct_size;
  jn_status (*open)(void *connector, const jn_sink_request *request, void **sink);
  /* JN_OK means every outcome is filled in; any other status fails the whole batch. */
  jn_status (*write)(void *sink, const jn_batch *batch, jn_outcome *outcomes);
  /* Make what was written durable and visible (transaction commit, file rename). */
  jn_status (*commit)(void *sink);
  void (*close)(void *sink); /* without commit, discards what can still be discarded */
} jn_sink_api;

/* ---- describing an entity (since 1.1) ------------------------------------------------ */

/* The fields an entity's records carry, so that the host can refuse a mapping or filter
 * that names a field the source does not have before anything is written. */
typedef struct jn_field_list {
  uint32_t struct_size;
  int32_t known;             /* 1: field_names are every field; 0: the connector cannot tell now */
  uint32_t field_count;      /* with known == 1 */
  const jn_str *field_names; /* valid until the next call on the same connector */
} jn_field_list;

/* ---- looking records up by field values (since 1.1) --------------------------------- */

/* Records to find: each record of `queries` is one query; every field of it that is not
 * JN_ABSENT must be equal (as the system compares: an email in any case); absent fields
 * are not compared. Found records carry the queries' fields, `field_names` and the key. */
typedef struct jn_lookup_request {
  uint32_t struct_size;
  uint32_t reserved;
  jn_str entity;
  const jn_batch *queries;
  uint32_t field_count; /* more fields the found records should carry (0: the queries') */
  uint32_t reserved2;
  const jn_str *field_names;
} jn_lookup_request;

/* What a lookup found: records as the source would read them, each answering one query. */
typedef struct jn_lookup_result {
  uint32_t struct_size;
  uint32_t reserved;
  const jn_batch *found;       /* NULL or empty: nothing found; valid until the next call */
  const uint32_t *query_index; /* per found record: the index of the query it answers */
} jn_lookup_result;

/* ---- webhooks (since 1.1) ---------------------------------------------------------- */

/* One header of a webhook request, its name in lower case. An array element: fixed for
 * all of 1.x. */
typedef struct jn_http_header {
  jn_str name;
  jn_str value;
} jn_http_header;

/* A request the host received for a connector at POST /hooks/{connector}. */
typedef struct jn_webhook_request {
  uint32_t struct_size;
  uint32_t header_count;
  jn_str method; /* "POST" */
  jn_str url;    /* as the sender called it (scheme://host[:port]/path?query), for
                    signatures computed over the URL */
  const jn_http_header *headers;
  jn_str body; /* the bytes received, not NUL-terminated */
} jn_webhook_request;

/* A record a webhook names as changed: its entity and its key as the connector's source
 * keys it (for a one-field key, the field's value as text). An array element. */
typedef struct jn_webhook_change {
  jn_str entity;
  jn_str key;
} jn_webhook_change;

typedef struct jn_webhook_result {
  uint32_t struct_size;
  uint32_t change_count;
  const jn_webhook_change *changes; /* valid until the next call on the same connector */
} jn_webhook_result;

/* ---- the plugin table -------------------------------------------------------------- */

/* What the host tells a connector about itself when creating it. */
typedef struct jn_connector_info {
  uint32_t struct_size;
  uint32_t reserved;
  jn_str name;     /* the connector's name in the host config */
  jn_str config;   /* its JSON config, validated against the manifest schema, with
                      secret references resolved */
  jn_str base_dir; /* relative paths in the config are relative to this directory */
} jn_connector_info;

typedef struct jn_plugin {
  uint32_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;
  const char *name;    /* must equal the manifest's name */
  const char *version; /* must equal the manifest's version */
  /* Creates a connector instance. Must not do I/O: `junction check` creates connectors. */
  jn_status (*create)(const jn_host_api *host, jn_host_context *ctx, const jn_connector_info *info,
                      void **connector);
  void (*destroy)(void *connector);
  const jn_source_api *source; /* NULL when the plugin is not a source */
  const jn_sink_api *sink;     /* NULL when the plugin is not a sink */
  /* ---- since ABI 1.1: a host reads these only from a table of minor >= 1 whose
   * struct_size covers them; each may be NULL. */
  /* Blocks up to timeout_ms until the entity may have changed (a database notification, a
   * new file); sets *changed to 1 then, 0 on timeout, -1 at once when it cannot tell for this
   * entity (the host then polls on its schedule). NULL: it never can. Called between runs,
   * never during one. */
  jn_status (*wait_for_changes)(void *connector, jn_str entity, uint32_t timeout_ms,
                                int32_t *changed);
  /* Fills `out` (struct_size set by the host) with the fields of `entity`'s records as the
   * source would read them now: a CSV file's header, a table's columns. May read files or
   * connect; sets known = 0 when it cannot tell (no file yet). */
  jn_status (*describe_fields)(void *connector, jn_str entity, jn_field_list *out);
  /* Finds records by equality on field values (see jn_lookup_request), so that matching
   * can find records the host has never seen, without reading every record. NULL: the
   * connector cannot look up. */
  jn_status (*lookup)(void *connector, const jn_lookup_request *request, jn_lookup_result *out);
  /* Verifies a webhook request (its signature, with the connector's secret) and names the
   * records it says changed: JN_OK with the changes (none for a test ping); JN_RECORD_REJECTED
   * when the request is not authentic or not understood (the host answers 401 and logs
   * set_error's reason). No I/O. The host gives webhooks an instance of their own, never
   * called by two threads at once. NULL: the connector takes no webhooks. */
  jn_status (*webhook)(void *connector, const jn_webhook_request *request, jn_webhook_result *out);
} jn_plugin;

typedef const jn_plugin *(*jn_entry_fn)(uint32_t host_abi_major, uint32_t host_abi_minor);

#ifdef __cplusplus
}
#endif

#endif /* JUNCTION_ABI_H */
