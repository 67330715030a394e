#include "engine/redrive.hpp"

#include <set>

#include <soci/soci.h>

#include "engine/delivery.hpp"
#include "engine/flow_runner.hpp"
#include "engine/record_text.hpp"
#include "store/audit_log.hpp"

namespace junction::engine {
namespace {

void set_from_json(BatchBuilder &batch, std::size_t row, std::size_t field, const nlohmann::json &v,
                   std::string &scratch) {
  switch (v.type()) {
    case nlohmann::json::value_t::null: batch.set(row, field, Value::null()); break;
    case nlohmann::json::value_t::boolean:
      batch.set(row, field, Value::boolean(v.get<bool>()));
      break;
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      batch.set(row, field, Value::int64(v.get<std::int64_t>()));
      break;
    case nlohmann::json::value_t::number_float:
      batch.set(row, field, Value::float64(v.get<double>()));
      break;
    case nlohmann::json::value_t::string:
      batch.set(row, field, Value::string(v.get_ref<const std::string &>()));
      break;
    default: scratch = v.dump(); batch.set(row, field, Value::json(scratch));
  }
}

}  // namespace

RedriveResult redrive(const config::FlowConfig &flow, Mapping &mapping,
                      plugin::ConnectorInstance &target, store::StateStore &store,
                      const std::vector<store::FailedRecord> &records, const std::string &actor) {
  RedriveResult result;
  if (records.empty()) return result;
  auto &session = store.session();
  store::ErrorQueueRepository errors(session);
  store::MemberRepository states(session, flow.to.connector, flow.to.entity);
  store::AuditLog audit(session, store.backend());
  const std::string run_id = new_run_id();

  // The records as read, back into a batch with the union of their fields.
  std::vector<nlohmann::json> parsed;
  std::set<std::string> names;
  for (const auto &r : records) {
    auto j = nlohmann::json::parse(r.record, nullptr, false);
    if (!j.is_object()) j = nlohmann::json::object();
    j.erase("_raw");
    for (auto it = j.begin(); it != j.end(); ++it) names.insert(it.key());
    parsed.push_back(std::move(j));
  }
  std::vector<std::string> fields(names.begin(), names.end());
  BatchBuilder source;
  source.set_fields(fields);
  std::vector<std::uint32_t> source_key;
  for (const auto &k : flow.from.key) {
    const auto it = std::find(fields.begin(), fields.end(), k);
    if (it != fields.end()) source_key.push_back(static_cast<std::uint32_t>(it - fields.begin()));
  }
  source.set_key_fields(source_key);
  std::string scratch;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto row = source.add_record(Operation::upsert, JN_TIME_UNKNOWN, records[i].origin);
    for (std::size_t f = 0; f < fields.size(); ++f) {
      if (auto it = parsed[i].find(fields[f]); it != parsed[i].end()) {
        set_from_json(source, row, f, *it, scratch);
      }
    }
  }
  const BatchView in(*source.batch());
  mapping.bind(in, false);

  BatchBuilder mapped;
  const auto target_fields = mapping.target_fields(in);
  mapped.set_fields(target_fields);
  std::vector<std::size_t> target_key;
  for (const auto &k : mapping.target_key()) {
    target_key.push_back(static_cast<std::size_t>(
        std::find(target_fields.begin(), target_fields.end(), k) - target_fields.begin()));
  }

  soci::transaction transaction(session);
  std::vector<store::AuditEntry> actions;
  auto note = [&](const store::FailedRecord &r, const std::string &detail) {
    store::AuditEntry e;
    e.actor = actor;
    e.action = "errors.retry";
    e.flow = r.flow;
    e.run_id = run_id;
    e.source_connector = r.source_connector;
    e.source_key = r.source_key;
    e.detail = "error " + std::to_string(r.id) + ": " + detail;
    actions.push_back(std::move(e));
  };
  std::vector<DeliveryRow> rows;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto &r = records[i];
    const RecordView record = in.record(i);
    const auto row = mapped.add_record(Operation::upsert, JN_TIME_UNKNOWN, r.origin);
    if (auto problem = mapping.apply(record, mapped, row)) {
      mapped.drop_last_record();
      errors.record_attempt(r.id, "map", "rejected", *problem);
      note(r, "failed again: " + *problem);
      ++result.failed;
      continue;
    }
    const BatchView out(*mapped.batch());
    bool empty_key = false;
    for (const auto k : target_key) empty_key |= out.record(row).value(k).is_null();
    if (empty_key) {
      mapped.drop_last_record();
      errors.record_attempt(r.id, "validate", "rejected", "the key is empty");
      note(r, "failed again: the key is empty");
      ++result.failed;
      continue;
    }
    rows.push_back(DeliveryRow{row, key_text(out.record(row), target_key), r.source_key, r.id});
  }

  auto sink = target.open_sink(flow.to.entity, mapping.target_key(), run_id);
  Delivery delivery(
      DeliverySettings{flow.name, run_id, actor, "errors.retry", flow.from.connector,
                       flow.to.connector,
                       RetryPolicy::from_config(flow.definition.value("retry", nlohmann::json())),
                       flow.from.entity},
      *sink, states, record_at_once(states, audit, flow.from.connector, flow.from.entity));
  store::RunCounts counts;
  auto record_of = [&](std::int64_t id) -> const store::FailedRecord & {
    return *std::find_if(records.begin(), records.end(),
                         [&](const store::FailedRecord &r) { return r.id == id; });
  };
  delivery.deliver(
      *mapped.batch(), rows, counts,
      [&](const DeliveryFailure &f) {
        errors.record_attempt(f.row->error_id, "write", f.status, f.message);
        note(record_of(f.row->error_id), "failed again: " + f.message);
        ++result.failed;
      },
      [&](const DeliveryRow &row) {
        errors.resolve(row.error_id, "resolved", "delivered by retry", actor);
        note(record_of(row.error_id), "delivered");
        ++result.delivered;
      });
  sink->commit();
  audit.append(actions);
  transaction.commit();
  return result;
}

}  // namespace junction::engine
