#include "crm_source.hpp"

#include <algorithm>

#include "crm_records.hpp"
#include "crm_time.hpp"
#include "junction/errors.hpp"

namespace junction::crm {
namespace {

constexpr int search_page_size = 200;  // the search API's largest page
constexpr int list_page = 100;    // the list API's largest page

}  // namespace

CrmCursor CrmCursor::parse(const std::string &text) {
  CrmCursor c;
  if (text.empty()) return c;
  try {
    const auto j = nlohmann::json::parse(text);
    c.changes.modified_ms = j.at("modified_ms").get<std::int64_t>();
    c.changes.after_id = j.at("after_id").get<std::string>();
    c.archived_ms = j.value("archived_ms", std::int64_t{-1});
    c.archived_id = j.value("archived_id", std::string());
  } catch (const nlohmann::json::exception &) {
    throw FatalError("the saved position of this read is not one the crm connector wrote: " +
                     text.substr(0, 80));
  }
  return c;
}

std::string CrmCursor::text() const {
  return nlohmann::json{{"modified_ms", changes.modified_ms},
                        {"after_id", changes.after_id},
                        {"archived_ms", archived_ms},
                        {"archived_id", archived_id}}
      .dump();
}

CrmSource::CrmSource(const CrmSettings &settings, const EntitySettings &entity, Host host,
                     const SourceRequest &request, const std::vector<std::string> &wanted_fields)
    : entity_(entity),
      host_(host),
      api_(settings, host),
      mode_(request.mode),
      cursor_(CrmCursor::parse(request.cursor)) {
  std::vector<std::string> wanted = entity.properties;
  wanted.insert(wanted.end(), wanted_fields.begin(), wanted_fields.end());
  const std::vector<std::string> keys =
      request.key_fields.empty() ? std::vector<std::string>{"id"} : request.key_fields;
  wanted.insert(wanted.end(), keys.begin(), keys.end());
  fields_ = record_fields(wanted);
  for (const auto &k : keys) {
    key_indices_.push_back(
        static_cast<std::uint32_t>(std::find(fields_.begin(), fields_.end(), k) - fields_.begin()));
  }
  for (std::size_t i = 1; i < fields_.size(); ++i) {
    properties_csv_ += (properties_csv_.empty() ? "" : ",") + url_encode(fields_[i]);
  }
  if (mode_ == ReadMode::incremental) {
    changes_ = std::make_unique<ChangeReader>(
        cursor_.changes, [this](const ChangeQuery &q, int limit) { return search(q, limit); },
        search_page_size);
  }
}

void CrmSource::start_batch(SourceBatch &out) {
  out.records.set_fields(fields_);
  out.records.set_key_fields(key_indices_);
}

std::vector<FoundRecord> CrmSource::search(const ChangeQuery &query, int limit) {
  nlohmann::json filters = nlohmann::json::array();
  nlohmann::json sorts = nlohmann::json::array();
  if (query.drain) {
    filters.push_back({{"propertyName", entity_.modified_property},
                       {"operator", "EQ"},
                       {"value", std::to_string(query.modified_ms)}});
    filters.push_back({{"propertyName", "hs_object_id"},
                       {"operator", "GT"},
                       {"value", query.after_id.empty() ? "0" : query.after_id}});
    sorts.push_back({{"propertyName", "hs_object_id"}, {"direction", "ASCENDING"}});
  } else {
    if (query.modified_ms >= 0) {
      filters.push_back({{"propertyName", entity_.modified_property},
                         {"operator", "GT"},
                         {"value", std::to_string(query.modified_ms)}});
    }
    sorts.push_back({{"propertyName", entity_.modified_property}, {"direction", "ASCENDING"}});
  }
  nlohmann::json properties = nlohmann::json::array();
  for (std::size_t i = 1; i < fields_.size(); ++i) properties.push_back(fields_[i]);
  nlohmann::json body = {{"sorts", sorts}, {"properties", properties}, {"limit", limit}};
  body["filterGroups"] =
      filters.empty() ? nlohmann::json::array() : nlohmann::json::array({{{"filters", filters}}});
  const std::string path = objects_path(entity_) + "/search";
  const auto response = api_.post(path, body);
  if (response.status != 200) {
    throw FatalError("POST " + path + " refused the search: " + api_message(response));
  }
  const auto answer = ApiClient::json_of(response, "POST " + path);
  page_.clear();
  std::vector<FoundRecord> found;
  for (const auto &object : answer.value("results", nlohmann::json::array())) {
    const std::int64_t micros = modified_of(object);
    found.push_back({object.value("id", std::string()), micros / 1000, page_.size()});
    page_.push_back(object);
  }
  return found;
}

void CrmSource::next(SourceBatch &out) {
  start_batch(out);
  if (mode_ == ReadMode::snapshot) {
    next_snapshot_page(out);
    out.cursor = cursor_.text();
    return;
  }
  if (!changes_done_) {
    auto step = changes_->next();
    for (const auto &r : step.records)
      add_object(out.records, fields_, entity_, page_[r.source_index], Operation::upsert);
    cursor_.changes = step.position;
    changes_done_ = step.done;
    out.cursor = cursor_.text();
    if (changes_done_ && !entity_.read_deletes) out.end = true;
    return;
  }
  next_archived_page(out);
  out.cursor = cursor_.text();
}

nlohmann::json CrmSource::fetch_list_page(bool archived) {
  std::string path = objects_path(entity_) + "?limit=" + std::to_string(list_page) +
                     "&archived=" + (archived ? "true" : "false") +
                     "&properties=" + properties_csv_;
  if (list_after_) path += "&after=" + url_encode(*list_after_);
  const std::string what = "GET " + objects_path(entity_) + (archived ? "?archived=true" : "");
  const auto response = api_.get(path);
  if (response.status != 200) {
    throw FatalError(what + " refused the listing: " + api_message(response));
  }
  auto answer = ApiClient::json_of(response, what);
  const auto next = answer.value("paging", nlohmann::json::object())
                        .value("next", nlohmann::json::object())
                        .value("after", std::string());
  if (next.empty())
    list_done_ = true;
  else
    list_after_ = next;
  return answer;
}

void CrmSource::next_snapshot_page(SourceBatch &out) {
  const auto answer = fetch_list_page(false);
  for (const auto &object : answer.value("results", nlohmann::json::array())) {
    add_object(out.records, fields_, entity_, object, Operation::upsert);
  }
  out.end = list_done_;
}

// The archived listing is ordered by ID, not by archive time: each read walks it whole
// and reports what was archived after the cursor's time (on the first read, nothing: the
// target never had those).
void CrmSource::next_archived_page(SourceBatch &out) {
  const auto answer = fetch_list_page(true);
  for (const auto &object : answer.value("results", nlohmann::json::array())) {
    const auto at = parse_iso_time(object.value("archivedAt", std::string()));
    if (!at) continue;
    const std::int64_t ms = *at / 1000;
    const std::string id = object.value("id", std::string());
    if (ms > archived_seen_ms_ || (ms == archived_seen_ms_ && id_less(archived_seen_id_, id))) {
      archived_seen_ms_ = ms;
      archived_seen_id_ = id;
    }
    const bool newer =
        ms > cursor_.archived_ms || (ms == cursor_.archived_ms && id_less(cursor_.archived_id, id));
    if (cursor_.archived_ms >= 0 && newer)
      add_object(out.records, fields_, entity_, object, Operation::remove);
  }
  if (!list_done_) return;
  out.end = true;
  // Only a whole walk moves the archive position: a read cut short walks again.
  if (archived_seen_ms_ > cursor_.archived_ms ||
      (archived_seen_ms_ == cursor_.archived_ms &&
       id_less(cursor_.archived_id, archived_seen_id_))) {
    cursor_.archived_ms = archived_seen_ms_;
    cursor_.archived_id = archived_seen_id_;
  } else if (cursor_.archived_ms < 0) {
    cursor_.archived_ms = 0;  // walked once: from now on, every archive is news
  }
}

}  // namespace junction::crm
