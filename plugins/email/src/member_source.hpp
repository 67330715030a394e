// Reads one audience: members changed since the cursor (MemberChangeReader over the
// members listing sorted by last_changed), then members archived since the cursor as
// deletes; or, in snapshot mode, every member not archived, paged in signup order.
// Unsubscribed and cleaned members are ordinary changes: their status says so.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "email_api.hpp"
#include "email_settings.hpp"
#include "junction/connector.hpp"
#include "member_changes.hpp"

namespace junction::email {

struct MemberCursor {
  SecondMark live;
  SecondMark archived;
  bool live_done = false;  // within one read: the live phase has ended

  static MemberCursor parse(const std::string &text);  // "" gives the start
  std::string text() const;
};

class MemberSource : public Source {
 public:
  MemberSource(const EmailSettings &settings, const AudienceSettings &audience, Host host,
               const SourceRequest &request);
  void next(SourceBatch &out) override;

 private:
  std::vector<FetchedMember> fetch(bool archived, std::optional<std::int64_t> after,
                                   std::size_t offset, std::size_t count);
  void next_snapshot_page(SourceBatch &out);

  const AudienceSettings &audience_;
  EmailApi api_;
  ReadMode mode_;
  std::vector<std::string> fields_;
  std::vector<std::uint32_t> key_indices_;
  std::string fields_param_;  // the listing's `fields`: only what the records carry
  MemberCursor cursor_;
  std::unique_ptr<MemberChangeReader> live_;
  std::unique_ptr<MemberChangeReader> archived_;
  std::vector<nlohmann::json> page_;  // the members of the last page fetched
  std::size_t snapshot_offset_ = 0;
};

}  // namespace junction::email
