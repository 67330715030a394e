#include "member_sink.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "junction/errors.hpp"
#include "junction/value_text.hpp"
#include "member_records.hpp"

namespace junction::email {
namespace {

constexpr std::size_t batch_limit = 500;  // batch subscribe's largest member list

std::string text_of(const Value &v) {
  std::string out;
  append_value_text(out, v);
  return out;
}

std::string trimmed(const std::string &s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

std::vector<std::string> split_tags(const std::string &text) {
  std::vector<std::string> tags;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const std::string tag =
        trimmed(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (!tag.empty()) tags.push_back(tag);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return tags;
}

bool truthy(const std::string &text) {
  return text == "true" || text == "1" || text == "yes" || text == "TRUE" || text == "True";
}

}  // namespace

MemberSink::MemberSink(const EmailSettings &settings, const AudienceSettings &audience, Host host)
    : audience_(audience), api_(settings, host) {}

std::string MemberSink::member_path(const std::string &hash) const {
  return "/3.0/lists/" + url_encode(audience_.list_id) + "/members/" + hash;
}

void MemberSink::write(const BatchView &batch, Outcomes &outcomes) {
  const std::size_t email_field = batch.field_index("email_address");
  const std::size_t id_field = batch.field_index("id");
  std::vector<Upsert> upserts;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const RecordView record = batch.record(i);
    const std::string email = email_field == BatchView::npos
                                  ? std::string()
                                  : trimmed(text_of(record.value(email_field)));
    std::string hash(batch.member_key(i));
    if (hash.empty() && id_field != BatchView::npos) hash = text_of(record.value(id_field));
    if (hash.empty() && !email.empty()) hash = subscriber_hash(email);
    if (record.operation() == Operation::remove) {
      if (hash.empty())
        outcomes.written(i, WriteAction::nothing);  // never reached the platform
      else
        remove(i, hash, outcomes);
      continue;
    }
    if (email.empty() && hash.empty()) {
      outcomes.rejected(i, "a member needs an email_address");
      continue;
    }
    Upsert u;
    u.record = i;
    u.email = email;  // empty: a partial update of a known member (by its hash)
    u.hash = email.empty() ? hash : subscriber_hash(email);
    u.body = email.empty() ? nlohmann::json::object() : nlohmann::json{{"email_address", email}};
    nlohmann::json merge = nlohmann::json::object();
    for (std::size_t f = 0; f < batch.field_count(); ++f) {
      const std::string name(batch.field_name(f));
      const Value v = record.value(f);
      if (v.is_absent() || name == "id" || name == "email_address" || name == "last_changed") {
        continue;
      }
      const std::string text = text_of(v);
      if (name == "status") {
        if (!text.empty()) u.status = text;
      } else if (name == "language") {
        u.body["language"] = text;
      } else if (name == "vip") {
        u.body["vip"] = truthy(text);
      } else if (name == "tags") {
        u.tags = split_tags(text);
      } else {
        merge[name] = text;  // an empty value clears the merge field
      }
    }
    if (!merge.empty()) u.body["merge_fields"] = merge;
    if (u.status && *u.status != "subscribed" && *u.status != "pending" &&
        *u.status != "unsubscribed" && *u.status != "transactional") {
      outcomes.rejected(i, "status '" + *u.status +
                               "' is set by the email platform only (a bounce, an archive); "
                               "it cannot be written");
      continue;
    }
    upserts.push_back(std::move(u));
  }
  std::vector<Upsert> by_address;  // batch subscribe needs the address
  std::vector<Upsert> by_hash;
  for (auto &u : upserts) (u.email.empty() ? by_hash : by_address).push_back(std::move(u));
  upserts = std::move(by_address);
  if (upserts.size() >= audience_.bulk_from) upserts = subscribe_new(std::move(upserts), outcomes);
  for (auto &u : by_hash) upserts.push_back(std::move(u));
  for (auto &u : upserts) put(u, outcomes);
}

std::vector<MemberSink::Upsert> MemberSink::subscribe_new(std::vector<Upsert> upserts,
                                                          Outcomes &outcomes) {
  std::vector<Upsert> existing;
  const std::string path = "/3.0/lists/" + url_encode(audience_.list_id);
  for (std::size_t start = 0; start < upserts.size(); start += batch_limit) {
    const std::size_t end = std::min(upserts.size(), start + batch_limit);
    nlohmann::json members = nlohmann::json::array();
    std::vector<Upsert *> sent;
    for (std::size_t k = start; k < end; ++k) {
      Upsert &u = upserts[k];
      // "unsubscribed" must reach an existing member too: that takes the PUT way.
      if (u.status == "unsubscribed") {
        existing.push_back(u);
        continue;
      }
      nlohmann::json m = u.body;
      m["status"] = u.status.value_or(audience_.status_if_new);
      members.push_back(std::move(m));
      sent.push_back(&u);
    }
    if (sent.empty()) continue;
    const nlohmann::json body = {{"members", members}, {"update_existing", false}};
    const auto response = api_.send("POST", path, &body);
    if (response.status != 200) {
      // A batch refused whole: each member takes the PUT way and gets its own answer.
      for (Upsert *u : sent) existing.push_back(*u);
      continue;
    }
    const auto answer = EmailApi::json_of(response, "POST " + path);
    std::map<std::string, std::string> errors;  // hash -> error
    std::set<std::string> exists;
    for (const auto &e : answer.value("errors", nlohmann::json::array())) {
      const std::string hash = subscriber_hash(e.value("email_address", ""));
      if (e.value("error_code", "") == "ERROR_CONTACT_EXISTS")
        exists.insert(hash);
      else
        errors[hash] = e.value("error", std::string("refused"));
    }
    std::set<std::string> created;
    for (const auto &m : answer.value("new_members", nlohmann::json::array())) {
      created.insert(m.value("id", std::string()));
    }
    for (Upsert *u : sent) {
      if (created.contains(u->hash)) {
        u->created = true;
        outcomes.written(u->record, WriteAction::created, u->hash);
        apply_tags(*u, outcomes);
      } else if (const auto it = errors.find(u->hash);
                 it != errors.end() && !exists.contains(u->hash)) {
        outcomes.rejected(u->record, u->who() + ": " + it->second);
      } else {
        existing.push_back(*u);  // a member already, or not answered for: the PUT way tells
      }
    }
  }
  return existing;
}

void MemberSink::put(Upsert &u, Outcomes &outcomes) {
  nlohmann::json body = u.body;
  WriteAction action = WriteAction::written;
  if (u.status == "unsubscribed") {
    body["status"] = "unsubscribed";
    body["status_if_new"] = "unsubscribed";
  } else if (u.status) {
    // A subscription wish: never sent as a status; a member who left stays gone.
    const auto found = api_.send("GET", member_path(u.hash) + "?fields=status,email_address");
    if (found.status == 200) {
      const std::string now = EmailApi::json_of(found, "GET member").value("status", "");
      if (now == "unsubscribed" || now == "cleaned") {
        outcomes.rejected(u.record,
                          u.who() + " is " + now +
                              " in the audience: a sync never resubscribes a member (they "
                              "must opt in again themselves); nothing was sent");
        return;
      }
      action = WriteAction::updated;
    } else if (found.status == 404) {
      action = WriteAction::created;
    } else {
      outcomes.rejected(u.record, u.who() + ": " + problem_message(found));
      return;
    }
    if (!u.email.empty()) body["status_if_new"] = *u.status;
  } else if (!u.email.empty()) {
    body["status_if_new"] = audience_.status_if_new;
  }
  // Without the address only a known member can be changed: PATCH, which adds no one.
  const bool partial = u.email.empty();
  if (partial) body.erase("status_if_new");
  const auto response = api_.send(partial ? "PATCH" : "PUT", member_path(u.hash), &body);
  if (response.status != 200) {
    outcomes.rejected(u.record, u.who() + ": " + problem_message(response));
    return;
  }
  outcomes.written(u.record, action, u.hash);
  apply_tags(u, outcomes);
}

void MemberSink::apply_tags(const Upsert &u, Outcomes &outcomes) {
  if (u.tags.empty()) return;
  nlohmann::json tags = nlohmann::json::array();
  for (const auto &t : u.tags) tags.push_back({{"name", t}, {"status", "active"}});
  const nlohmann::json body = {{"tags", tags}};
  const auto response = api_.send("POST", member_path(u.hash) + "/tags", &body);
  if (response.status != 204 && response.status != 200) {
    outcomes.rejected(u.record, u.who() + ": the member was written but its tags were refused: " +
                                    problem_message(response));
  }
}

void MemberSink::remove(std::size_t record, const std::string &hash, Outcomes &outcomes) {
  const auto response = audience_.delete_permanently
                            ? api_.send("POST", member_path(hash) + "/actions/delete-permanent")
                            : api_.send("DELETE", member_path(hash));
  if (response.status == 204 || response.status == 200) {
    outcomes.written(record, WriteAction::deleted);
  } else if (response.status == 404) {
    outcomes.written(record, WriteAction::nothing);  // gone already
  } else {
    outcomes.rejected(record, "deleting member " + hash + ": " + problem_message(response));
  }
}

}  // namespace junction::email
