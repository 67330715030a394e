// How much the state store holds, for `junction status`.
#pragma once

#include <cstdint>

namespace soci {
class session;
}

namespace junction::store {

struct StoreSummary {
  std::int64_t runs = 0;
  std::int64_t records_known = 0;
  std::int64_t open_errors = 0;
  std::int64_t audit_entries = 0;
  std::int64_t pending_webhook_events = 0;
};

StoreSummary summarize_store(soci::session &session);

}  // namespace junction::store
