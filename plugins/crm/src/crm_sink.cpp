#include "crm_sink.hpp"

#include <algorithm>
#include <map>

#include "crm_records.hpp"
#include "junction/errors.hpp"
#include "junction/value_text.hpp"

namespace junction::crm {
namespace {

constexpr std::size_t batch_limit = 100;  // the batch endpoints' largest input list

std::string lowered(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string text_of(const Value &v) {
  std::string out;
  append_value_text(out, v);
  return out;
}

// The strings listed under `name` in an error's context ("ids", "objectWriteTraceId").
std::vector<std::string> context_list(const nlohmann::json &error, const char *name) {
  std::vector<std::string> out;
  const auto context = error.value("context", nlohmann::json::object());
  if (!context.contains(name)) return out;
  const auto &list = context[name];
  if (list.is_string()) out.push_back(list.get<std::string>());
  if (list.is_array()) {
    for (const auto &id : list) {
      if (id.is_string()) out.push_back(id.get<std::string>());
    }
  }
  return out;
}

}  // namespace

CrmSink::CrmSink(const CrmSettings &settings, const EntitySettings &entity, Host host,
                 const SinkRequest &request)
    : entity_(entity), host_(host), api_(settings, host), key_fields_(request.key_fields) {}

void CrmSink::write(const BatchView &batch, Outcomes &outcomes) {
  const std::size_t id_field = batch.field_index("id");
  const std::size_t unique_field =
      entity_.unique_property ? batch.field_index(*entity_.unique_property) : BatchView::npos;
  std::vector<Input> updates, upserts, creates, archives;
  std::vector<std::size_t> deletes_by_unique;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const RecordView record = batch.record(i);
    std::string id(batch.member_key(i));
    if (id.empty() && id_field != BatchView::npos) id = text_of(record.value(id_field));
    const std::string unique =
        unique_field == BatchView::npos ? std::string() : text_of(record.value(unique_field));
    if (record.operation() == Operation::remove) {
      if (!id.empty())
        archives.push_back({i, id, nullptr});
      else if (!unique.empty())
        deletes_by_unique.push_back(i);
      else
        outcomes.written(i, WriteAction::nothing);  // never reached the CRM
      continue;
    }
    nlohmann::json properties = nlohmann::json::object();
    for (std::size_t f = 0; f < batch.field_count(); ++f) {
      const auto name = batch.field_name(f);
      if (name == "id" || name == "hs_object_id") continue;
      const Value v = record.value(f);
      if (v.is_absent()) continue;
      properties[std::string(name)] = text_of(v);  // empty text clears a property
    }
    if (!id.empty())
      updates.push_back({i, id, std::move(properties)});
    else if (!unique.empty())
      upserts.push_back({i, unique, std::move(properties)});
    else
      creates.push_back({i, {}, std::move(properties)});
  }
  if (!deletes_by_unique.empty()) {
    std::vector<std::string> values;
    for (auto i : deletes_by_unique) values.push_back(text_of(batch.record(i).value(unique_field)));
    const auto ids = find_ids(values);
    for (std::size_t k = 0; k < deletes_by_unique.size(); ++k) {
      if (ids[k])
        archives.push_back({deletes_by_unique[k], *ids[k], nullptr});
      else
        outcomes.written(deletes_by_unique[k], WriteAction::nothing);
    }
  }
  updates = still_as_expected(batch, std::move(updates), outcomes, false);
  upserts = still_as_expected(batch, std::move(upserts), outcomes, true);
  archives = still_as_expected(batch, std::move(archives), outcomes, false);
  send(Way::update, std::move(updates), outcomes);
  send(Way::upsert, std::move(upserts), outcomes);
  send(Way::create, std::move(creates), outcomes);
  archive(std::move(archives), outcomes);
}

void CrmSink::send(Way way, std::vector<Input> inputs, Outcomes &outcomes) {
  for (std::size_t start = 0; start < inputs.size(); start += batch_limit) {
    const std::vector<Input> chunk(
        inputs.begin() + static_cast<std::ptrdiff_t>(start),
        inputs.begin() + static_cast<std::ptrdiff_t>(std::min(inputs.size(), start + batch_limit)));
    send_chunk(way, chunk, outcomes);
  }
}

void CrmSink::send_chunk(Way way, const std::vector<Input> &inputs, Outcomes &outcomes) {
  if (inputs.empty()) return;
  nlohmann::json list = nlohmann::json::array();
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    nlohmann::json input = {{"properties", inputs[k].properties},
                            {"objectWriteTraceId", std::to_string(k)}};
    if (way == Way::update) input["id"] = inputs[k].id;
    if (way == Way::upsert) {
      input["id"] = inputs[k].id;
      input["idProperty"] = *entity_.unique_property;
    }
    list.push_back(std::move(input));
  }
  const char *endpoint = way == Way::update   ? "/batch/update"
                         : way == Way::upsert ? "/batch/upsert"
                                              : "/batch/create";
  const std::string path = "/crm/v3/objects/" + url_encode(entity_.object_type) + endpoint;
  HttpResponse response;
  try {
    response = api_.post(path, {{"inputs", list}});
  } catch (const TransientError &e) {
    for (const auto &input : inputs) outcomes.transient(input.record, e.what(), e.retry_after_ms());
    return;
  }
  if (response.status >= 400) {
    const bool about_a_record =
        response.status == 400 || response.status == 409 || response.status == 422;
    if (!about_a_record) {  // e.g. 404 for an unknown object type: every record alike
      for (const auto &input : inputs) {
        outcomes.rejected(input.record, "the CRM refused it: " + api_message(response));
      }
      return;
    }
    // Refused whole: the API names no index, so halve until the culprit is alone.
    if (inputs.size() == 1) {
      outcomes.rejected(inputs[0].record, "the CRM refused it: " + api_message(response));
      return;
    }
    const auto half = static_cast<std::ptrdiff_t>(inputs.size() / 2);
    send_chunk(way, {inputs.begin(), inputs.begin() + half}, outcomes);
    send_chunk(way, {inputs.begin() + half, inputs.end()}, outcomes);
    return;
  }
  const auto answer = ApiClient::json_of(response, "POST " + path);
  std::vector<bool> done(inputs.size(), false);
  std::map<std::string, std::size_t> by_id;  // object ID or unique value -> input
  for (std::size_t k = 0; k < inputs.size(); ++k) by_id[lowered(inputs[k].id)] = k;
  const auto input_of = [&](const nlohmann::json &result) -> std::optional<std::size_t> {
    const auto trace = result.value("objectWriteTraceId", std::string());
    if (!trace.empty()) {
      try {
        const auto k = std::stoul(trace);
        if (k < inputs.size()) return k;
      } catch (const std::exception &) {
      }
    }
    if (way == Way::update) {
      const auto it = by_id.find(result.value("id", std::string()));
      if (it != by_id.end()) return it->second;
    }
    if (way == Way::upsert) {
      const auto props = result.value("properties", nlohmann::json::object());
      const auto v = props.value(*entity_.unique_property, std::string());
      const auto it = by_id.find(lowered(v));
      if (it != by_id.end()) return it->second;
    }
    return std::nullopt;
  };
  for (const auto &result : answer.value("results", nlohmann::json::array())) {
    const auto k = input_of(result);
    if (!k || done[*k]) continue;
    done[*k] = true;
    WriteAction action = WriteAction::updated;
    if (way == Way::create) action = WriteAction::created;
    if (way == Way::upsert)
      action = result.value("new", false) ? WriteAction::created : WriteAction::updated;
    outcomes.written(inputs[*k].record, action, result.value("id", std::string()));
  }
  std::vector<Input> retry_as_upsert;
  for (const auto &error : answer.value("errors", nlohmann::json::array())) {
    const std::string message =
        "the CRM refused it: " + error.value("message", std::string("error")) + " (" +
        error.value("category", std::string("?")) + ")";
    std::vector<std::size_t> named;
    for (const auto &trace : context_list(error, "objectWriteTraceId")) {
      try {
        if (const auto k = std::stoul(trace); k < inputs.size()) named.push_back(k);
      } catch (const std::exception &) {
      }
    }
    for (const auto &id : context_list(error, "ids")) {
      if (const auto it = by_id.find(lowered(id)); it != by_id.end()) named.push_back(it->second);
    }
    for (const std::size_t k0 : named) {
      const std::optional<std::size_t> k = k0;
      if (done[*k]) continue;
      done[*k] = true;
      // An object deleted or merged in the CRM: an upsert by the unique property finds or
      // recreates the record instead of losing it.
      if (way == Way::update && error.value("category", "") == "OBJECT_NOT_FOUND" &&
          entity_.unique_property && inputs[*k].properties.contains(*entity_.unique_property)) {
        Input again = inputs[*k];
        again.id = again.properties[*entity_.unique_property].get<std::string>();
        retry_as_upsert.push_back(std::move(again));
        continue;
      }
      outcomes.rejected(inputs[*k].record, message);
    }
  }
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    if (!done[k]) {
      outcomes.transient(inputs[k].record,
                         "the CRM's answer to POST " + path + " said nothing of this record");
    }
  }
  if (!retry_as_upsert.empty()) send(Way::upsert, std::move(retry_as_upsert), outcomes);
}

void CrmSink::archive(std::vector<Input> inputs, Outcomes &outcomes) {
  for (std::size_t start = 0; start < inputs.size(); start += batch_limit) {
    const auto end = std::min(inputs.size(), start + batch_limit);
    nlohmann::json list = nlohmann::json::array();
    for (std::size_t k = start; k < end; ++k) list.push_back({{"id", inputs[k].id}});
    const std::string path =
        "/crm/v3/objects/" + url_encode(entity_.object_type) + "/batch/archive";
    try {
      const auto response = api_.post(path, {{"inputs", list}});
      for (std::size_t k = start; k < end; ++k) {
        if (response.status < 300)
          outcomes.written(inputs[k].record, WriteAction::deleted);
        else
          outcomes.rejected(inputs[k].record,
                            "the CRM refused to archive it: " + api_message(response));
      }
    } catch (const TransientError &e) {
      for (std::size_t k = start; k < end; ++k) {
        outcomes.transient(inputs[k].record, e.what(), e.retry_after_ms());
      }
    }
  }
}

std::vector<CrmSink::Input> CrmSink::still_as_expected(const BatchView &batch,
                                                       std::vector<Input> inputs,
                                                       Outcomes &outcomes, bool by_unique) {
  std::vector<Input> kept;
  std::vector<std::size_t> checked;  // indices into inputs
  std::vector<std::string> properties;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const RecordView record = batch.record(inputs[k].record);
    if (!record.has_expectations()) {
      kept.push_back(std::move(inputs[k]));
      continue;
    }
    checked.push_back(k);
    for (std::size_t f = 0; f < batch.field_count(); ++f) {
      const std::string name(batch.field_name(f));
      if (record.expected(f).is_absent() || name == "id") continue;
      if (std::find(properties.begin(), properties.end(), name) == properties.end())
        properties.push_back(name);
    }
  }
  const std::string path = objects_path(entity_) + "/batch/read";
  for (std::size_t start = 0; start < checked.size(); start += batch_limit) {
    const auto end = std::min(checked.size(), start + batch_limit);
    nlohmann::json list = nlohmann::json::array();
    for (std::size_t c = start; c < end; ++c) list.push_back({{"id", inputs[checked[c]].id}});
    // By object ID, or (upserts) by the unique property's value in lower case.
    std::map<std::string, nlohmann::json> found;
    const std::string unique = by_unique ? *entity_.unique_property : std::string();
    nlohmann::json request = {{"inputs", list}, {"properties", properties}};
    if (by_unique) {
      request["idProperty"] = unique;
      request["properties"].push_back(unique);
    }
    try {
      const auto response = api_.post(path, request);
      if (response.status >= 400)
        throw TransientError("POST " + path + ": " + api_message(response));
      const auto answer = ApiClient::json_of(response, "POST " + path);
      for (const auto &r : answer.value("results", nlohmann::json::array())) {
        const auto props = r.value("properties", nlohmann::json::object());
        found[by_unique ? lowered(property_text(props, unique)) : r.value("id", std::string())] =
            props;
      }
    } catch (const TransientError &e) {
      for (std::size_t c = start; c < end; ++c) {
        outcomes.transient(inputs[checked[c]].record, e.what(), e.retry_after_ms());
      }
      continue;
    }
    for (std::size_t c = start; c < end; ++c) {
      Input &input = inputs[checked[c]];
      const auto it = found.find(by_unique ? lowered(input.id) : input.id);
      if (it == found.end()) {
        outcomes.stale(input.record, "object " + input.id + " is no longer in the CRM");
        continue;
      }
      const RecordView record = batch.record(input.record);
      std::string changed;
      for (std::size_t f = 0; f < batch.field_count() && changed.empty(); ++f) {
        const Value expected = record.expected(f);
        const std::string name(batch.field_name(f));
        if (expected.is_absent() || name == "id") continue;
        if (property_text(it->second, name) != text_of(expected)) changed = name;
      }
      if (changed.empty()) {
        kept.push_back(std::move(input));
      } else {
        outcomes.stale(input.record, "'" + changed + "' of object " + input.id +
                                         " changed in the CRM since it was read; nothing was "
                                         "written");
      }
    }
  }
  std::sort(kept.begin(), kept.end(),
            [](const Input &a, const Input &b) { return a.record < b.record; });
  return kept;
}

std::vector<std::optional<std::string>> CrmSink::find_ids(const std::vector<std::string> &values) {
  std::vector<std::optional<std::string>> out(values.size());
  for (std::size_t start = 0; start < values.size(); start += batch_limit) {
    const auto end = std::min(values.size(), start + batch_limit);
    nlohmann::json list = nlohmann::json::array();
    for (std::size_t k = start; k < end; ++k) list.push_back({{"id", values[k]}});
    const std::string path = "/crm/v3/objects/" + url_encode(entity_.object_type) + "/batch/read";
    const auto response = api_.post(path, {{"idProperty", *entity_.unique_property},
                                           {"inputs", list},
                                           {"properties", {*entity_.unique_property}}});
    if (response.status >= 400) {
      throw TransientError("POST " + path + ": " + api_message(response));
    }
    std::map<std::string, std::string> found;
    const auto answer = ApiClient::json_of(response, "POST " + path);
    for (const auto &r : answer.value("results", nlohmann::json::array())) {
      const auto props = r.value("properties", nlohmann::json::object());
      found[lowered(props.value(*entity_.unique_property, std::string()))] =
          r.value("id", std::string());
    }
    for (std::size_t k = start; k < end; ++k) {
      const auto it = found.find(lowered(values[k]));
      if (it != found.end()) out[k] = it->second;
    }
  }
  return out;
}

}  // namespace junction::crm
