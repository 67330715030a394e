// Shares API accounts' request windows with every other process using the same state
// store: the quota governor of this process asks the store's window ledger before each
// request (see store/quota_window_ledger.hpp).
#pragma once

#include "store/store_location.hpp"

namespace junction::app {

void share_quota_windows(const store::StoreLocation &location);

}  // namespace junction::app
