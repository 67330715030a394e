#include "table_columns.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include <soci/soci.h>

#include <junction/errors.hpp>

namespace junction::sql {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// SQLite declared types follow its affinity rules; the common spellings are mapped here.
Column sqlite_column(const std::string &name, const std::string &declared) {
  Column c;
  c.name = name;
  c.declared = declared;
  const std::string t = lower(declared);
  if (t.find("int") != std::string::npos) {
    c.type = ColumnType::integer;
  } else if (t.find("bool") != std::string::npos) {
    c.type = ColumnType::boolean;
  } else if (t.find("dec") != std::string::npos || t.find("numeric") != std::string::npos) {
    c.type = ColumnType::decimal;
  } else if (t.find("real") != std::string::npos || t.find("floa") != std::string::npos ||
             t.find("doub") != std::string::npos) {
    c.type = ColumnType::real;
  } else if (t == "date") {
    c.type = ColumnType::date;
  } else if (t.find("time") != std::string::npos) {
    c.type = ColumnType::timestamp;
  } else if (t.find("json") != std::string::npos) {
    c.type = ColumnType::json;
  } else {
    c.type = ColumnType::text;
  }
  const auto open = t.find('(');
  if (open != std::string::npos) {
    int a = 0;
    int b = 0;
    const int n = std::sscanf(t.c_str() + open, "(%d,%d)", &a, &b);
    if (c.type == ColumnType::text && n >= 1) c.max_length = a;
    if (c.type == ColumnType::decimal && n >= 1) {
      c.precision = a;
      c.scale = n == 2 ? b : 0;
    }
  }
  return c;
}

bool parse_date(const std::string &s, std::int64_t &days) {
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  if (std::sscanf(s.c_str(), "%d-%u-%u", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 || d > 31) {
    return false;
  }
  const int yy = y - (m <= 2 ? 1 : 0);
  const int era = (yy >= 0 ? yy : yy - 399) / 400;
  const auto yoe = static_cast<unsigned>(yy - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  days = static_cast<std::int64_t>(era) * 146097 + static_cast<std::int64_t>(doe) - 719468;
  return true;
}

// "2024-01-02 03:04:05.678+00", "2024-01-02T03:04:05Z", "2024-01-02 03:04:05+05:30".
bool parse_timestamp(const std::string &s, std::int64_t &micros) {
  std::int64_t days = 0;
  if (s.size() < 19 || !parse_date(s.substr(0, 10), days)) return false;
  int hh = 0;
  int mm = 0;
  int ss = 0;
  if (std::sscanf(s.c_str() + 11, "%2d:%2d:%2d", &hh, &mm, &ss) != 3) return false;
  std::size_t i = 19;
  std::int64_t fraction = 0;
  if (i < s.size() && s[i] == '.') {
    int digits = 0;
    for (++i; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) {
      if (digits++ < 6) fraction = fraction * 10 + (s[i] - '0');
    }
    for (; digits < 6; ++digits) fraction *= 10;
  }
  std::int64_t offset = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    const int sign = s[i] == '-' ? -1 : 1;
    int oh = 0;
    int om = 0;
    std::sscanf(s.c_str() + i + 1, "%2d:%2d", &oh, &om);
    if (om == 0 && s.size() >= i + 5 && s[i + 3] != ':') std::sscanf(s.c_str() + i + 3, "%2d", &om);
    offset = sign * (oh * 3600 + om * 60);
  }
  micros = (days * 86400 + hh * 3600 + mm * 60 + ss - offset) * 1000000 + fraction;
  return true;
}

}  // namespace

std::vector<Column> read_columns(Database &db, const std::string &table) {
  std::vector<Column> columns;
  if (db.dialect == Dialect::sqlite) {
    soci::rowset<soci::row> rows =
        (db.session->prepare << "PRAGMA table_info(" + db.quote(table) + ")");
    for (const auto &r : rows) {
      columns.push_back(sqlite_column(r.get<std::string>(1), r.get<std::string>(2, "")));
    }
  } else {
    soci::rowset<soci::row> rows =
        (db.session->prepare
             << "SELECT column_name::text, data_type::text, COALESCE(character_maximum_length, "
                "0)::int, "
                "COALESCE(numeric_precision, 0)::int, COALESCE(numeric_scale, 0)::int "
                "FROM information_schema.columns WHERE table_schema = current_schema() AND "
                "table_name = :t ORDER BY ordinal_position",
         soci::use(table));
    for (const auto &r : rows) {
      Column c;
      c.name = r.get<std::string>(0);
      c.declared = r.get<std::string>(1);
      c.max_length = r.get<int>(2);
      c.precision = r.get<int>(3);
      c.scale = r.get<int>(4);
      const std::string &t = c.declared;
      if (t == "smallint" || t == "integer" || t == "bigint") {
        c.type = ColumnType::integer;
        c.integer_bytes = t == "smallint" ? 2 : (t == "integer" ? 4 : 8);
      } else if (t == "numeric") {
        c.type = ColumnType::decimal;
      } else if (t == "real" || t == "double precision") {
        c.type = ColumnType::real;
      } else if (t == "boolean") {
        c.type = ColumnType::boolean;
      } else if (t == "date") {
        c.type = ColumnType::date;
      } else if (t.rfind("timestamp", 0) == 0) {
        c.type = ColumnType::timestamp;
      } else if (t == "json" || t == "jsonb") {
        c.type = ColumnType::json;
      } else {
        c.type = ColumnType::text;
      }
      columns.push_back(std::move(c));
    }
  }
  if (columns.empty()) throw ConfigError("no table named '" + table + "'");
  return columns;
}

std::vector<Column> query_columns(Database &db, const std::string &query) {
  soci::row row;
  soci::statement st =
      (db.session->prepare << "SELECT * FROM (" + query + ") AS junction_query LIMIT 1",
       soci::into(row));
  st.execute(true);
  std::vector<Column> columns;
  for (std::size_t i = 0; i < row.size(); ++i) {
    const auto &p = row.get_properties(i);
    Column c;
    c.name = p.get_name();
    switch (p.get_data_type()) {
      case soci::dt_integer:
      case soci::dt_long_long:
      case soci::dt_unsigned_long_long: c.type = ColumnType::integer; break;
      // The text of numeric and float columns alike is an exact decimal.
      case soci::dt_double:
        c.type = db.dialect == Dialect::postgresql ? ColumnType::decimal : ColumnType::real;
        break;
      case soci::dt_date: c.type = ColumnType::timestamp; break;
      default: c.type = ColumnType::text;
    }
    c.declared = "query column";
    columns.push_back(std::move(c));
  }
  if (columns.empty()) throw ConfigError("the query returns no columns");
  return columns;
}

TypedText type_text(const Column &column, const std::string &text) {
  TypedText out{JN_STRING};
  switch (column.type) {
    case ColumnType::integer: {
      std::int64_t v = 0;
      const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (r.ec == std::errc() && r.ptr == text.data() + text.size()) out = {JN_INT64, v};
      break;
    }
    case ColumnType::decimal: out.type = JN_DECIMAL; break;
    case ColumnType::real: {
      double d = 0;
      const auto r = std::from_chars(text.data(), text.data() + text.size(), d);
      if (r.ec == std::errc()) {
        out.type = JN_DOUBLE;
        out.f64 = d;
      }
      break;
    }
    case ColumnType::boolean:
      if (text == "t" || text == "true" || text == "1") out = {JN_BOOL, 1};
      if (text == "f" || text == "false" || text == "0") out = {JN_BOOL, 0};
      break;
    case ColumnType::date: {
      std::int64_t days = 0;
      if (text.size() == 10 && parse_date(text, days)) out = {JN_DATE, days};
      break;
    }
    case ColumnType::timestamp: {
      std::int64_t micros = 0;
      std::int64_t days = 0;
      if (text.size() == 10 && parse_date(text, days)) {
        out = {JN_DATE, days};
      } else if (parse_timestamp(text, micros)) {
        out = {JN_TIMESTAMP, micros};
      }
      break;
    }
    case ColumnType::json: out.type = JN_JSON; break;
    case ColumnType::text: break;
  }
  return out;
}

std::string select_as_text(const Database &db, const std::vector<Column> &columns) {
  std::string select = "SELECT ";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const std::string q = db.quote(columns[i].name);
    select += (i ? ", " : "") +
              (db.dialect == Dialect::postgresql ? q + "::text" : "CAST(" + q + " AS TEXT)") +
              " AS c" + std::to_string(i);
  }
  return select;
}

void set_from_text(BatchBuilder &records, std::size_t record, std::size_t field,
                   const Column &column, const std::string &text, bool null) {
  if (null) {
    records.set(record, field, Value::null());
    return;
  }
  const TypedText t = type_text(column, text);
  switch (t.type) {
    case JN_INT64: records.set(record, field, Value::int64(t.i64)); break;
    case JN_DOUBLE: records.set(record, field, Value::float64(t.f64)); break;
    case JN_BOOL: records.set(record, field, Value::boolean(t.i64 != 0)); break;
    case JN_DATE: records.set(record, field, Value::date_days(t.i64)); break;
    case JN_TIMESTAMP: records.set(record, field, Value::timestamp_micros(t.i64)); break;
    case JN_DECIMAL: records.set(record, field, Value::decimal(text)); break;
    case JN_JSON: records.set(record, field, Value::json(text)); break;
    default: records.set(record, field, Value::string(text));
  }
}

std::optional<std::string> check_fits(const Column &column, const Value &value,
                                      std::string_view text) {
  if (value.is_null() || value.is_absent()) return std::nullopt;
  if (column.max_length > 0) {
    std::int64_t chars = 0;
    for (const char c : text) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (chars > column.max_length) {
      return "'" + std::string(text.substr(0, 40)) + (text.size() > 40 ? "...'" : "'") + " is " +
             std::to_string(chars) + " characters, longer than the " +
             std::to_string(column.max_length) + " column '" + column.name + "' holds";
    }
  }
  if (column.type == ColumnType::integer) {
    std::int64_t v = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size()) {
      return "'" + std::string(text) + "' is not a whole number, as column '" + column.name +
             "' needs";
    }
    const std::int64_t limit =
        column.integer_bytes == 2 ? 32767 : (column.integer_bytes == 4 ? 2147483647 : INT64_MAX);
    if (v > limit || v < -limit - 1) {
      return std::string(text) + " is out of range for column '" + column.name + "' (" +
             column.declared + ")";
    }
  }
  if (column.type == ColumnType::decimal && column.precision > 0) {
    const auto dot = text.find('.');
    std::string whole(text.substr(0, dot));
    if (!whole.empty() && (whole[0] == '-' || whole[0] == '+')) whole.erase(0, 1);
    whole.erase(0, std::min(whole.find_first_not_of('0'), whole.size()));
    if (static_cast<int>(whole.size()) > column.precision - column.scale) {
      return std::string(text) + " has too many digits for column '" + column.name + "' (numeric(" +
             std::to_string(column.precision) + "," + std::to_string(column.scale) + "))";
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_no_nul(const Column &column, std::string_view text) {
  const auto nul = text.find('\0');
  if (nul == std::string_view::npos) return std::nullopt;
  return "the value for column '" + column.name + "' holds a NUL byte at byte " +
         std::to_string(nul + 1) + ", which PostgreSQL cannot store in text";
}

}  // namespace junction::sql
