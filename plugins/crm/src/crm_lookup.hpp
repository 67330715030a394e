// Finds CRM objects by equality on properties through the search API, for matching
// records the host has never seen: up to five queries per request, as OR'ed filter groups
// (the API's limit), each group the AND of one query's fields; pages followed to the end.
#pragma once

#include <cstdint>
#include <vector>

#include "api_client.hpp"
#include "crm_settings.hpp"
#include "junction/batch.hpp"
#include "junction/connector.hpp"

namespace junction::crm {

// How queries comparing `filters[i]` properties each share search requests: the index
// one past each request's last query. A request holds at most 5 queries and 18 filters.
std::vector<std::size_t> search_request_ends(const std::vector<std::size_t> &filters);

void look_up(ApiClient &api, const EntitySettings &entity, const LookupRequest &request,
             BatchBuilder &found, std::vector<std::uint32_t> &query_index);

}  // namespace junction::crm
