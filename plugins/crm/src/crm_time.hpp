// The CRM's times: ISO 8601 in UTC ("2024-05-01T09:30:00.123Z") in responses, epoch
// milliseconds in search filters.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace junction::crm {

// Microseconds since the epoch; nothing when `text` is not an ISO 8601 time.
std::optional<std::int64_t> parse_iso_time(std::string_view text);

}  // namespace junction::crm
