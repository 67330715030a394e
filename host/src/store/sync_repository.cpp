#include "store/sync_repository.hpp"

#include <soci/soci.h>

#include "store/row_values.hpp"
#include "store/sqlite_statement.hpp"
#include "store/timestamps.hpp"
#include "store/written_state_codec.hpp"

namespace junction::store {

namespace {

const char *const review_columns =
    "SELECT review_id, sync, subject, kind, COALESCE(link_id, 0), COALESCE(field, ''), "
    "COALESCE(system_name, ''), COALESCE(member_key, ''), COALESCE(detail, ''), status, "
    "created_at, COALESCE(resolved_at, ''), COALESCE(resolved_by, ''), COALESCE(resolution, '') "
    "FROM sync_reviews ";

SyncReview review_of(const soci::row &r) {
  SyncReview v;
  v.id = integer_at(r, 0);
  v.sync = r.get<std::string>(1);
  v.subject = r.get<std::string>(2);
  v.kind = r.get<std::string>(3);
  v.link_id = integer_at(r, 4);
  v.field = r.get<std::string>(5);
  v.system = r.get<std::string>(6);
  v.member_key = r.get<std::string>(7);
  v.detail = r.get<std::string>(8);
  v.status = r.get<std::string>(9);
  v.created_at = r.get<std::string>(10);
  v.resolved_at = r.get<std::string>(11);
  v.resolved_by = r.get<std::string>(12);
  v.resolution = r.get<std::string>(13);
  return v;
}

std::vector<SyncReview> select_reviews(soci::session &session, const std::string &sync,
                                       const std::string &status, int limit) {
  std::vector<SyncReview> out;
  soci::rowset<soci::row> rows =
      (session.prepare << std::string(review_columns) +
                              "WHERE (:s = '' OR sync = :s2) AND (:st = '' OR status = :st2) "
                              "ORDER BY review_id LIMIT " +
                              std::to_string(limit),
       soci::use(sync), soci::use(sync), soci::use(status), soci::use(status));
  for (const auto &r : rows) out.push_back(review_of(r));
  return out;
}

}  // namespace

SyncRepository::SyncRepository(soci::session &session, std::string sync)
    : session_(session), sync_(std::move(sync)) {}

std::map<std::int64_t, std::string> SyncRepository::load_links() {
  std::map<std::int64_t, std::string> out;
  soci::rowset<soci::row> rows =
      (session_.prepare << "SELECT link_id, state FROM sync_links WHERE sync = :s",
       soci::use(sync_));
  for (const auto &r : rows) {
    out.emplace(integer_at(r, 0), r.get<std::string>(1));
  }
  return out;
}

std::map<std::int64_t, std::string> SyncRepository::load_links(
    const std::vector<std::int64_t> &ids) {
  std::map<std::int64_t, std::string> out;
  constexpr std::size_t chunk = 500;
  for (std::size_t first = 0; first < ids.size(); first += chunk) {
    std::string list;
    for (std::size_t i = first; i < ids.size() && i < first + chunk; ++i) {
      list += (list.empty() ? "" : ",") + std::to_string(ids[i]);  // integers: no quoting
    }
    soci::rowset<soci::row> rows =
        (session_.prepare << "SELECT link_id, state FROM sync_links WHERE sync = :s AND "
                             "link_id IN (" +
                                 list + ")",
         soci::use(sync_));
    for (const auto &r : rows) out.emplace(integer_at(r, 0), r.get<std::string>(1));
  }
  return out;
}

std::optional<std::string> SyncRepository::load_member_index(const std::string &system) {
  if (is_sqlite(session_)) {
    // SQLite keeps the bytes as a blob (an index written before as hex text still reads).
    SqliteStatement st(session_,
                       "SELECT entries, typeof(entries) = 'blob' FROM sync_member_index "
                       "WHERE sync = ?1 AND system_name = ?2");
    st.bind(1, sync_);
    st.bind(2, system);
    if (!st.step() || st.is_null(0)) return std::nullopt;
    if (st.integer(1) != 0) return std::string(st.blob(0));
    try {
      return from_hex(std::string(st.text(0)));
    } catch (const std::invalid_argument &) {
      return std::nullopt;
    }
  }
  std::string hex;
  soci::indicator ind = soci::i_null;
  session_ << "SELECT entries FROM sync_member_index WHERE sync = :s AND system_name = :n",
      soci::use(sync_), soci::use(system), soci::into(hex, ind);
  if (!session_.got_data() || ind != soci::i_ok) return std::nullopt;
  try {
    return from_hex(hex);
  } catch (const std::invalid_argument &) {
    return std::nullopt;  // unreadable: the cycle reads every link and writes it again
  }
}

void SyncRepository::save_member_index(const std::string &system, const std::string &bytes) {
  if (is_sqlite(session_)) {
    SqliteStatement st(session_,
                       "INSERT INTO sync_member_index (sync, system_name, entries) VALUES "
                       "(?1, ?2, ?3) ON CONFLICT (sync, system_name) DO UPDATE SET entries = "
                       "excluded.entries");
    st.bind(1, sync_);
    st.bind(2, system);
    st.bind_blob(3, bytes);
    st.step();
    return;
  }
  const std::string hex = to_hex(bytes);
  session_ << "INSERT INTO sync_member_index (sync, system_name, entries) VALUES (:s, :n, :e) "
              "ON CONFLICT (sync, system_name) DO UPDATE SET entries = excluded.entries",
      soci::use(sync_), soci::use(system), soci::use(hex);
}

void SyncRepository::drop_member_indexes() {
  session_ << "DELETE FROM sync_member_index WHERE sync = :s", soci::use(sync_);
}

void SyncRepository::save_links(const std::vector<std::pair<std::int64_t, std::string>> &links) {
  if (links.empty()) return;
  const std::string now = utc_now_text();
  if (is_sqlite(session_)) {
    // One prepared statement bound per row: no copy of a first sync's many link texts.
    SqliteStatement st(session_,
                       "INSERT INTO sync_links (sync, link_id, state, updated_at) VALUES "
                       "(?1, ?2, ?3, ?4) ON CONFLICT (sync, link_id) DO UPDATE SET state = "
                       "excluded.state, updated_at = excluded.updated_at");
    for (const auto &[id, state] : links) {
      st.bind(1, sync_);
      st.bind(2, id);
      st.bind(3, state);
      st.bind(4, now);
      st.step();
      st.reset();
    }
    return;
  }
  std::vector<std::string> syncs(links.size(), sync_);
  std::vector<long long> ids;
  std::vector<std::string> states;
  for (const auto &[id, state] : links) {
    ids.push_back(id);
    states.push_back(state);
  }
  std::vector<std::string> times(links.size(), now);
  session_ << "INSERT INTO sync_links (sync, link_id, state, updated_at) VALUES (:s, :l, :t, :u) "
              "ON CONFLICT (sync, link_id) DO UPDATE SET state = excluded.state, "
              "updated_at = excluded.updated_at",
      soci::use(syncs), soci::use(ids), soci::use(states), soci::use(times);
}

bool SyncRepository::add_review(const SyncReview &r) {
  int open = 0;
  session_ << "SELECT COUNT(*) FROM sync_reviews WHERE sync = :s AND subject = :j AND "
              "status = 'open'",
      soci::use(sync_), soci::use(r.subject), soci::into(open);
  if (open > 0) return false;
  const long long link = r.link_id;
  const std::string now = utc_now_text();
  session_ << "INSERT INTO sync_reviews (sync, subject, kind, link_id, field, system_name, "
              "member_key, detail, status, created_at) VALUES (:s, :j, :k, :l, :f, :y, :m, :d, "
              "'open', :c)",
      soci::use(sync_), soci::use(r.subject), soci::use(r.kind), soci::use(link),
      soci::use(r.field), soci::use(r.system), soci::use(r.member_key), soci::use(r.detail),
      soci::use(now);
  return true;
}

std::optional<SyncReview> find_review(soci::session &session, std::int64_t id) {
  const long long wanted = id;
  soci::rowset<soci::row> rows =
      (session.prepare << std::string(review_columns) + "WHERE review_id = :id", soci::use(wanted));
  for (const auto &r : rows) return review_of(r);
  return std::nullopt;
}

std::vector<SyncReview> all_reviews(soci::session &session, const std::string &status, int limit) {
  return select_reviews(session, "", status, limit);
}

std::vector<SyncReview> SyncRepository::reviews(const std::string &status, int limit) {
  return select_reviews(session_, sync_, status, limit);
}

void SyncRepository::close_review(std::int64_t id, const std::string &status,
                                  const std::string &actor, const std::string &resolution) {
  const long long review = id;
  const std::string now = utc_now_text();
  session_ << "UPDATE sync_reviews SET status = :st, resolved_at = :at, resolved_by = :by, "
              "resolution = :r WHERE review_id = :id AND status = 'open'",
      soci::use(status), soci::use(now), soci::use(actor), soci::use(resolution), soci::use(review);
}

std::optional<std::string> SyncRepository::load_link(std::int64_t id) {
  const long long link = id;
  std::string state;
  soci::indicator ind = soci::i_null;
  session_ << "SELECT state FROM sync_links WHERE sync = :s AND link_id = :l", soci::use(sync_),
      soci::use(link), soci::into(state, ind);
  if (!session_.got_data() || ind != soci::i_ok) return std::nullopt;
  return state;
}

std::int64_t SyncRepository::max_link_id() {
  long long id = 0;
  soci::indicator ind = soci::i_null;
  session_ << "SELECT MAX(link_id) FROM sync_links WHERE sync = :s", soci::use(sync_),
      soci::into(id, ind);
  return ind == soci::i_ok ? id : 0;
}

long long SyncRepository::count_reviews(const std::string &status) {
  long long n = 0;
  session_ << "SELECT COUNT(*) FROM sync_reviews WHERE sync = :y AND (:s = '' OR status = :s2)",
      soci::use(sync_), soci::use(status), soci::use(status), soci::into(n);
  return n;
}

}  // namespace junction::store
