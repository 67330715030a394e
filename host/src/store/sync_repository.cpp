#include "store/sync_repository.hpp"

#include <soci/soci.h>

#include "store/timestamps.hpp"

namespace junction::store {

SyncRepository::SyncRepository(soci::session &session, std::string sync)
    : session_(session), sync_(std::move(sync)) {}

std::map<std::int64_t, std::string> SyncRepository::load_links() {
  std::map<std::int64_t, std::string> out;
  soci::rowset<soci::row> rows =
      (session_.prepare << "SELECT link_id, state FROM sync_links WHERE sync = :s",
       soci::use(sync_));
  for (const auto &r : rows) {
    const auto type = r.get_properties(0).get_data_type();
    const std::int64_t id =
        type == soci::dt_integer ? r.get<int>(0) : static_cast<std::int64_t>(r.get<long long>(0));
    out.emplace(id, r.get<std::string>(1));
  }
  return out;
}

void SyncRepository::save_links(const std::map<std::int64_t, std::string> &links) {
  if (links.empty()) return;
  std::vector<std::string> syncs(links.size(), sync_);
  std::vector<long long> ids;
  std::vector<std::string> states;
  for (const auto &[id, state] : links) {
    ids.push_back(id);
    states.push_back(state);
  }
  std::vector<std::string> times(links.size(), utc_now_text());
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

std::vector<SyncReview> SyncRepository::reviews(const std::string &status, int limit) {
  std::vector<SyncReview> out;
  soci::rowset<soci::row> rows =
      (session_.prepare << "SELECT review_id, subject, kind, COALESCE(link_id, 0), "
                           "COALESCE(field, ''), COALESCE(system_name, ''), "
                           "COALESCE(member_key, ''), COALESCE(detail, ''), status, created_at "
                           "FROM sync_reviews WHERE sync = :s AND (:st = '' OR status = :st2) "
                           "ORDER BY review_id LIMIT " +
                               std::to_string(limit),
       soci::use(sync_), soci::use(status), soci::use(status));
  const auto integer = [](const soci::row &r, std::size_t i) {
    return r.get_properties(i).get_data_type() == soci::dt_integer
               ? static_cast<std::int64_t>(r.get<int>(i))
               : static_cast<std::int64_t>(r.get<long long>(i));
  };
  for (const auto &r : rows) {
    SyncReview v;
    v.id = integer(r, 0);
    v.sync = sync_;
    v.subject = r.get<std::string>(1);
    v.kind = r.get<std::string>(2);
    v.link_id = integer(r, 3);
    v.field = r.get<std::string>(4);
    v.system = r.get<std::string>(5);
    v.member_key = r.get<std::string>(6);
    v.detail = r.get<std::string>(7);
    v.status = r.get<std::string>(8);
    v.created_at = r.get<std::string>(9);
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace junction::store
