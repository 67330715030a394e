// Reading an integer from a SOCI row, whatever type the backend gave the column: SQLite
// types an expression (COALESCE, MAX) by its first value, PostgreSQL gives BIGINT.
#pragma once

#include <cstdint>
#include <string>

#include <soci/soci.h>

namespace junction::store {

inline std::int64_t integer_at(const soci::row &r, std::size_t i) {
  switch (r.get_properties(i).get_data_type()) {
    case soci::dt_integer: return r.get<int>(i);
    case soci::dt_long_long: return static_cast<std::int64_t>(r.get<long long>(i));
    case soci::dt_unsigned_long_long:
      return static_cast<std::int64_t>(r.get<unsigned long long>(i));
    case soci::dt_double: return static_cast<std::int64_t>(r.get<double>(i));
    case soci::dt_string: return std::stoll(r.get<std::string>(i));
    default: return 0;
  }
}

}  // namespace junction::store
