#include "member_source.hpp"

#include <algorithm>

#include "junction/errors.hpp"
#include "member_records.hpp"

namespace junction::email {
namespace {

constexpr std::size_t page_size = 1000;  // the listing's largest `count`

nlohmann::json mark_json(const SecondMark &m) {
  return {{"second", m.second}, {"seen", m.seen}};
}

SecondMark mark_of(const nlohmann::json &j) {
  SecondMark m;
  m.second = j.value("second", std::int64_t{-1});
  m.seen = j.value("seen", std::map<std::string, std::string>{});
  return m;
}

}  // namespace

MemberCursor MemberCursor::parse(const std::string &text) {
  MemberCursor c;
  if (text.empty()) return c;
  try {
    const auto j = nlohmann::json::parse(text);
    c.live = mark_of(j.at("live"));
    c.archived = mark_of(j.at("archived"));
  } catch (const nlohmann::json::exception &e) {
    throw FatalError(std::string("the stored cursor is not the email connector's: ") + e.what());
  }
  return c;
}

std::string MemberCursor::text() const {
  return nlohmann::json{{"live", mark_json(live)}, {"archived", mark_json(archived)}}.dump();
}

MemberSource::MemberSource(const EmailSettings &settings, const AudienceSettings &audience,
                           Host host, const SourceRequest &request)
    : audience_(audience),
      api_(settings, host),
      mode_(request.mode),
      cursor_(MemberCursor::parse(request.cursor)) {
  std::vector<std::string> wanted = request.fields;
  const std::vector<std::string> keys =
      request.key_fields.empty() ? std::vector<std::string>{"id"} : request.key_fields;
  if (!wanted.empty()) wanted.insert(wanted.end(), keys.begin(), keys.end());
  fields_ = member_fields(wanted, audience);
  for (const auto &k : keys) {
    const auto at = std::find(fields_.begin(), fields_.end(), k) - fields_.begin();
    key_indices_.push_back(static_cast<std::uint32_t>(at));
  }
  fields_param_ =
      "total_items,members.id,members.last_changed,members.status,"
      "members.email_address,members.merge_fields,members.language,members.vip,"
      "members.tags";
  if (mode_ == ReadMode::incremental) {
    live_ = std::make_unique<MemberChangeReader>(
        cursor_.live,
        [this](auto after, auto offset, auto count) { return fetch(false, after, offset, count); });
    archived_ = std::make_unique<MemberChangeReader>(
        cursor_.archived,
        [this](auto after, auto offset, auto count) { return fetch(true, after, offset, count); });
  }
}

std::vector<FetchedMember> MemberSource::fetch(bool archived, std::optional<std::int64_t> after,
                                               std::size_t offset, std::size_t count) {
  std::string path =
      "/3.0/lists/" + url_encode(audience_.list_id) +
      "/members?sort_field=last_changed&sort_dir=ASC&count=" + std::to_string(count) +
      "&offset=" + std::to_string(offset) + "&fields=" + url_encode(fields_param_);
  if (archived) path += "&status=archived";
  if (after) path += "&since_last_changed=" + url_encode(api_time(*after));
  const auto response = api_.send("GET", path);
  if (response.status != 200) {
    throw FatalError("GET /3.0/lists/" + audience_.list_id +
                     "/members refused the listing: " + problem_message(response));
  }
  const auto body = EmailApi::json_of(response, "GET members");
  page_.clear();
  std::vector<FetchedMember> out;
  for (const auto &m : body.value("members", nlohmann::json::array())) {
    out.push_back(
        {m.value("id", std::string()), last_changed_of(m), member_fingerprint(m), page_.size()});
    page_.push_back(m);
  }
  return out;
}

void MemberSource::next_snapshot_page(SourceBatch &out) {
  const std::string path =
      "/3.0/lists/" + url_encode(audience_.list_id) +
      "/members?sort_field=timestamp_signup&sort_dir=ASC&count=" + std::to_string(page_size) +
      "&offset=" + std::to_string(snapshot_offset_) + "&fields=" + url_encode(fields_param_);
  const auto response = api_.send("GET", path);
  if (response.status != 200) {
    throw FatalError("GET /3.0/lists/" + audience_.list_id +
                     "/members refused the listing: " + problem_message(response));
  }
  const auto body = EmailApi::json_of(response, "GET members");
  const auto members = body.value("members", nlohmann::json::array());
  for (const auto &m : members) add_member(out.records, fields_, m, Operation::upsert);
  snapshot_offset_ += members.size();
  out.end = members.size() < page_size;
}

void MemberSource::next(SourceBatch &out) {
  out.records.set_fields(fields_);
  out.records.set_key_fields(key_indices_);
  if (mode_ == ReadMode::snapshot) {
    next_snapshot_page(out);
    return;
  }
  if (!cursor_.live_done) {
    const auto step = live_->next();
    for (const auto &m : step.members) {
      add_member(out.records, fields_, page_[m.index], Operation::upsert);
    }
    cursor_.live = step.mark;
    cursor_.live_done = step.done;
    out.cursor = cursor_.text();
    return;
  }
  const auto step = archived_->next();
  for (const auto &m : step.members) {
    add_member(out.records, fields_, page_[m.index], Operation::remove);
  }
  cursor_.archived = step.mark;
  out.cursor = cursor_.text();
  out.end = step.done;
}

}  // namespace junction::email
