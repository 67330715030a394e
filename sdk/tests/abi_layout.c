/* Pins the layout of ABI 1.x on LP64 (x86-64, AArch64): a change that moves a field or
 * changes a size fails to compile here. Structs with struct_size may only grow at their
 * end; the others (array elements) may not change at all within a major version. */
#include <stddef.h>

#include <junction/abi.h>

#define PIN_SIZE(type, size) _Static_assert(sizeof(type) == (size), #type " size changed")
#define PIN(type, field, offset) \
  _Static_assert(offsetof(type, field) == (offset), #type "." #field " moved")

PIN_SIZE(jn_abi_stamp, 16);
PIN(jn_abi_stamp, abi_major, 8);
PIN(jn_abi_stamp, abi_minor, 12);

/* Array elements: fixed for all of 1.x. */
PIN_SIZE(jn_str, 16);
PIN(jn_str, size, 8);
PIN_SIZE(jn_value, 16);
PIN(jn_value, size, 4);
PIN(jn_value, u, 8);
PIN_SIZE(jn_record, 64);
PIN(jn_record, changed_at, 8);
PIN(jn_record, origin, 16);
PIN(jn_record, error, 32);
PIN(jn_record, raw, 48);
PIN_SIZE(jn_outcome, 48);
PIN(jn_outcome, action, 4);
PIN(jn_outcome, retry_after_ms, 8);
PIN(jn_outcome, target_key, 16);
PIN(jn_outcome, message, 32);

/* Structs with struct_size: these offsets never move; later minors append after them. */
PIN_SIZE(jn_batch, 72);
PIN(jn_batch, field_names, 8);
PIN(jn_batch, key_count, 16);
PIN(jn_batch, key_fields, 24);
PIN(jn_batch, record_count, 32);
PIN(jn_batch, records, 40);
PIN(jn_batch, values, 48);      /* 1.0 batches end here */
PIN(jn_batch, member_keys, 56); /* since 1.1 */
PIN(jn_batch, expected, 64);    /* since 1.2 */
PIN_SIZE(jn_host_api, 56);
PIN(jn_host_api, log, 16);
PIN(jn_host_api, set_error, 24);
PIN(jn_host_api, stopping, 32);
PIN(jn_host_api, set_retry_after, 40);
PIN(jn_host_api, spend_quota, 48);
PIN_SIZE(jn_quota_request, 48);
PIN(jn_quota_request, account, 8);
PIN(jn_quota_request, window_ms, 24);
PIN(jn_quota_request, per_window, 32);
PIN(jn_quota_request, per_day, 40);
PIN_SIZE(jn_source_request, 72);
PIN(jn_source_request, entity, 8);
PIN(jn_source_request, cursor, 24);
PIN(jn_source_request, batch_size, 40);
PIN(jn_source_request, key_count, 44);
PIN(jn_source_request, key_fields, 48);
PIN(jn_source_request, field_count, 56);
PIN(jn_source_request, field_names, 64);
PIN_SIZE(jn_source_batch, 32);
PIN(jn_source_batch, batch, 8);
PIN(jn_source_batch, cursor, 16);
PIN_SIZE(jn_source_api, 40);
PIN(jn_source_api, close, 32);
PIN_SIZE(jn_sink_request, 48);
PIN(jn_sink_request, entity, 8);
PIN(jn_sink_request, key_fields, 24);
PIN(jn_sink_request, run_id, 32);
PIN_SIZE(jn_sink_api, 40);
PIN(jn_sink_api, close, 32);
PIN_SIZE(jn_connector_info, 56);
PIN(jn_connector_info, name, 8);
PIN(jn_connector_info, config, 24);
PIN(jn_connector_info, base_dir, 40);
PIN(jn_plugin, create, 32);
PIN(jn_plugin, source, 48);
PIN(jn_plugin, sink, 56);
PIN(jn_plugin, wait_for_changes, 64); /* 1.0 tables end here */
PIN(jn_plugin, describe_fields, 72);  /* since 1.1 */
PIN(jn_plugin, lookup, 80);           /* since 1.1 */
PIN(jn_plugin, webhook, 88);          /* since 1.1 */
PIN_SIZE(jn_plugin, 96);
PIN_SIZE(jn_http_header, 32);
PIN(jn_http_header, value, 16);
PIN_SIZE(jn_webhook_request, 64);
PIN(jn_webhook_request, header_count, 4);
PIN(jn_webhook_request, method, 8);
PIN(jn_webhook_request, url, 24);
PIN(jn_webhook_request, headers, 40);
PIN(jn_webhook_request, body, 48);
PIN_SIZE(jn_webhook_change, 32);
PIN(jn_webhook_change, key, 16);
PIN_SIZE(jn_webhook_result, 16);
PIN(jn_webhook_result, change_count, 4);
PIN(jn_webhook_result, changes, 8);
PIN_SIZE(jn_lookup_request, 48);
PIN(jn_lookup_request, entity, 8);
PIN(jn_lookup_request, queries, 24);
PIN(jn_lookup_request, field_count, 32);
PIN(jn_lookup_request, field_names, 40);
PIN_SIZE(jn_lookup_result, 24);
PIN(jn_lookup_result, found, 8);
PIN(jn_lookup_result, query_index, 16);
PIN_SIZE(jn_field_list, 24);
PIN(jn_field_list, field_count, 8);
PIN(jn_field_list, field_names, 16);

int main(void) {
  return 0;
}
