// Reads one object type: changes since the cursor through the search API (ChangeReader),
// then objects archived since the cursor as deletes; or, in snapshot mode, every live
// object through the list endpoint. Records carry the object ID as field "id" (the
// system's own key) and the last modification as their change time.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_client.hpp"
#include "change_reader.hpp"
#include "crm_settings.hpp"
#include "junction/connector.hpp"

namespace junction::crm {

struct CrmCursor {
  ChangePosition changes;
  std::int64_t archived_ms = -1;  // archived objects up to this time were reported
  std::string archived_id;

  static CrmCursor parse(const std::string &text);  // "" gives the start
  std::string text() const;
};

class CrmSource : public Source {
 public:
  CrmSource(const CrmSettings &settings, const EntitySettings &entity, Host host,
            const SourceRequest &request, const std::vector<std::string> &wanted_fields);
  void next(SourceBatch &out) override;

 private:
  void start_batch(SourceBatch &out);
  std::vector<FoundRecord> search(const ChangeQuery &query, int limit);
  // One page of the list endpoint (live or archived objects); sets list_done_ at the end.
  nlohmann::json fetch_list_page(bool archived);
  void next_snapshot_page(SourceBatch &out);
  void next_archived_page(SourceBatch &out);

  const EntitySettings &entity_;
  Host host_;
  ApiClient api_;
  ReadMode mode_;
  std::vector<std::string> fields_;  // "id" then the properties
  std::vector<std::uint32_t> key_indices_;
  std::string properties_csv_;  // for list requests
  CrmCursor cursor_;
  std::unique_ptr<ChangeReader> changes_;
  std::vector<nlohmann::json> page_;  // the objects of the last search page
  bool changes_done_ = false;
  std::optional<std::string> list_after_;  // next page of a listing; nullopt before the first
  bool list_done_ = false;
  std::int64_t archived_seen_ms_ = -1;  // the newest archive time seen in this read
  std::string archived_seen_id_;
};

}  // namespace junction::crm
