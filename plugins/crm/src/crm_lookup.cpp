#include "crm_lookup.hpp"

#include <algorithm>
#include <set>

#include "crm_records.hpp"
#include "junction/errors.hpp"
#include "junction/value_text.hpp"

namespace junction::crm {
namespace {

// The search API's limits: five filter groups, six filters in a group, 18 in all.
constexpr std::size_t groups_per_search = 5;
constexpr std::size_t filters_per_group = 6;
constexpr std::size_t filters_per_search = 18;
constexpr int search_page = 200;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// One query: (property, value) pairs that must all be equal.
using Query = std::vector<std::pair<std::string, std::string>>;

Query query_of(const BatchView &queries, std::size_t r) {
  Query q;
  const RecordView record = queries.record(r);
  for (std::size_t f = 0; f < queries.field_count(); ++f) {
    const Value v = record.value(f);
    if (v.is_absent() || v.is_null()) continue;
    std::string text;
    append_value_text(text, v);
    const std::string name(queries.field_name(f));
    q.emplace_back(name == "id" ? "hs_object_id" : name, text);
  }
  return q;
}

bool answers(const nlohmann::json &object, const Query &q) {
  const auto properties = object.value("properties", nlohmann::json::object());
  for (const auto &[name, value] : q) {
    const auto it = properties.find(name);
    const std::string have = name == "hs_object_id" ? object.value("id", std::string())
                             : it != properties.end() && it->is_string() ? it->get<std::string>()
                                                                         : std::string();
    if (lower(have) != lower(value)) return false;
  }
  return true;
}

}  // namespace

std::vector<std::size_t> search_request_ends(const std::vector<std::size_t> &filters) {
  std::vector<std::size_t> ends;
  std::size_t end = 0;
  while (end < filters.size()) {
    const std::size_t start = end;
    std::size_t in_request = 0;
    while (end < filters.size() && end - start < groups_per_search &&
           in_request + filters[end] <= filters_per_search) {
      in_request += filters[end++];
    }
    if (end == start) ++end;  // a query alone over the limit goes alone (refused earlier)
    ends.push_back(end);
  }
  return ends;
}

void look_up(ApiClient &api, const EntitySettings &entity, const LookupRequest &request,
             BatchBuilder &found, std::vector<std::uint32_t> &query_index) {
  const BatchView &queries = request.queries;
  std::vector<std::string> wanted = entity.properties;
  wanted.insert(wanted.end(), request.fields.begin(), request.fields.end());
  for (std::size_t f = 0; f < queries.field_count(); ++f)
    wanted.emplace_back(queries.field_name(f));
  const auto fields = record_fields(wanted);
  found.set_fields(fields);
  found.set_key_fields({0});
  nlohmann::json properties = nlohmann::json::array();
  for (std::size_t i = 1; i < fields.size(); ++i) properties.push_back(fields[i]);
  const std::string path = objects_path(entity) + "/search";

  std::vector<Query> asked;  // queries with at least one field, and their indexes
  std::vector<std::size_t> asked_index;
  for (std::size_t r = 0; r < queries.size(); ++r) {
    Query q = query_of(queries, r);
    if (q.empty()) continue;
    if (q.size() > filters_per_group) {
      throw FatalError("a lookup compares " + std::to_string(q.size()) +
                       " properties; the search API compares at most " +
                       std::to_string(filters_per_group));
    }
    asked.push_back(std::move(q));
    asked_index.push_back(r);
  }
  std::set<std::string> added;  // an object answering several queries is found once
  std::vector<std::size_t> sizes;
  sizes.reserve(asked.size());
  for (const Query &q : asked) sizes.push_back(q.size());
  std::size_t start = 0;
  for (const std::size_t end : search_request_ends(sizes)) {
    nlohmann::json groups = nlohmann::json::array();
    std::vector<std::pair<std::size_t, const Query *>> group_queries;
    for (std::size_t k = start; k < end; ++k) {
      nlohmann::json filters_json = nlohmann::json::array();
      for (const auto &[name, value] : asked[k]) {
        filters_json.push_back({{"propertyName", name}, {"operator", "EQ"}, {"value", value}});
      }
      groups.push_back({{"filters", filters_json}});
      group_queries.emplace_back(asked_index[k], &asked[k]);
    }
    std::string after;
    for (;;) {
      nlohmann::json body = {
          {"filterGroups", groups}, {"properties", properties}, {"limit", search_page}};
      if (!after.empty()) body["after"] = after;
      const auto response = api.post(path, body);
      if (response.status != 200) {
        throw FatalError("POST " + path + " refused a lookup: " + api_message(response));
      }
      const auto answer = ApiClient::json_of(response, "POST " + path);
      for (const auto &object : answer.value("results", nlohmann::json::array())) {
        const std::string id = object.value("id", std::string());
        if (added.contains(id)) continue;
        for (const auto &[index, q] : group_queries) {
          if (!answers(object, *q)) continue;
          add_object(found, fields, entity, object, Operation::upsert);
          query_index.push_back(static_cast<std::uint32_t>(index));
          added.insert(id);
          break;
        }
      }
      after = answer.value("paging", nlohmann::json::object())
                  .value("next", nlohmann::json::object())
                  .value("after", std::string());
      if (after.empty()) break;
    }
    start = end;
  }
}

}  // namespace junction::crm
