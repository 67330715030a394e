// Audience members (the API's JSON) as records: "id" (the subscriber hash, the system's
// own key) first, then the member fields asked for — email_address, status, language,
// vip, tags (names joined by ", " in name order), last_changed — and merge fields by their
// tag (FNAME, LNAME, ...). Shared by reads and lookups.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "email_settings.hpp"
#include "junction/batch.hpp"

namespace junction::email {

// Fields of a member that are not merge fields.
bool is_member_field(std::string_view name);

// "id", then `wanted` and the audience's merge fields, each once; every member field
// when `wanted` is empty.
std::vector<std::string> member_fields(const std::vector<std::string> &wanted,
                                       const AudienceSettings &audience);

// Seconds since the epoch of an ISO 8601 time with an offset ("2026-12-01T05:31:09+00:00").
std::optional<std::int64_t> parse_api_time(const std::string &text);
std::string api_time(std::int64_t seconds);

// The member's last_changed in seconds; throws TransientError when it is unreadable.
std::int64_t last_changed_of(const nlohmann::json &member);

// A fingerprint of what a member holds (status, address, merge fields, language, VIP,
// tags): tells a member changed again within the same second from one already read.
std::string member_fingerprint(const nlohmann::json &member);

// Adds `member` to `out` (whose fields are member_fields(...)) as a record of `op`.
void add_member(BatchBuilder &out, const std::vector<std::string> &fields,
                const nlohmann::json &member, Operation op);

}  // namespace junction::email
