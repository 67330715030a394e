// A store failure as people read it: the driver's words without the SQL and the bound
// values it quotes (those go to the debug log), and what to do when the store is damaged.
#pragma once

#include <string>
#include <string_view>

namespace junction::store {

std::string readable_failure(std::string_view what);

}  // namespace junction::store
