#include "app/sync_review.hpp"

#include <algorithm>

#include <soci/soci.h>
#include <nlohmann/json.hpp>

#include "engine/record_text.hpp"
#include "engine/sync/link_codec.hpp"
#include "engine/sync/model_from_config.hpp"
#include "store/audit_log.hpp"

namespace junction::app {
namespace {

using engine::sync::LinkState;
using engine::sync::MemberState;
using nlohmann::json;

std::size_t index_of(const std::vector<std::string> &names, const std::string &name) {
  return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
}

const config::SyncConfig &sync_of(const config::HostConfig &config, const std::string &name) {
  for (const auto &s : config.syncs) {
    if (s.name == name) return s;
  }
  throw ReviewError("the review belongs to sync '" + name + "', which the config no longer has");
}

std::string in_quotes(const std::string &v) {
  return "'" + v + "'";
}

}  // namespace

std::vector<store::SyncReview> list_reviews(store::StateStore &store, const std::string &sync,
                                            const std::string &status, int limit) {
  auto reviews = sync.empty() ? store::all_reviews(store.session(), status, limit)
                              : store::SyncRepository(store.session(), sync).reviews(status, limit);
  for (auto &r : reviews) r.member_key = engine::readable_key(r.member_key);
  return reviews;
}

namespace {

store::SyncReview stored_review(store::StateStore &store, std::int64_t id) {
  auto review = store::find_review(store.session(), id);
  if (!review) throw ReviewError("no review " + std::to_string(id));
  return *review;
}

}  // namespace

store::SyncReview show_review(store::StateStore &store, std::int64_t id) {
  auto review = stored_review(store, id);
  review.member_key = engine::readable_key(review.member_key);
  return review;
}

std::string settle_review(store::StateStore &store, const config::HostConfig &config,
                          std::int64_t id, const ReviewDecision &decision) {
  using Kind = ReviewDecision::Kind;
  soci::transaction tx(store.session());
  const store::SyncReview review = stored_review(store, id);
  if (review.status != "open") {
    throw ReviewError("review " + std::to_string(id) + " is already " + review.status + " (by " +
                      review.resolved_by + ")");
  }
  const config::SyncConfig &sync = sync_of(config, review.sync);
  const auto model = engine::sync::model_from_config(sync);
  store::SyncRepository repo(store.session(), sync.name);
  const json detail = json::parse(review.detail.empty() ? "{}" : review.detail, nullptr, false);
  const std::size_t systems = model.systems.size();
  const std::size_t fields = model.fields.size();
  std::vector<std::string> system_names;
  for (const auto &s : model.systems) system_names.push_back(s.name);

  std::string done;
  std::string status = "resolved";
  if (review.kind == "ambiguous_match") {
    const std::size_t s = index_of(system_names, review.system);
    if (s >= systems) throw ReviewError("system '" + review.system + "' left the sync");
    const std::string &key = review.member_key;
    LinkState link;
    if (decision.kind == Kind::link) {
      const auto candidates = detail.value("candidates", json::array());
      if (std::find(candidates.begin(), candidates.end(), json(decision.link)) ==
          candidates.end()) {
        throw ReviewError("link " + std::to_string(decision.link) +
                          " is not one of the records review " + std::to_string(id) + " matched (" +
                          candidates.dump() + ")");
      }
      const auto text = repo.load_link(decision.link);
      if (!text) throw ReviewError("link " + std::to_string(decision.link) + " is gone");
      link = engine::sync::decode_link(decision.link, *text, systems, fields);
      if (link.members[s] && !link.members[s]->deleted) {
        throw ReviewError("link " + std::to_string(decision.link) + " already has " +
                          review.system + " record " + link.members[s]->key);
      }
      done = "linked " + review.system + ":" + engine::readable_key(key) + " to link " +
             std::to_string(decision.link);
    } else if (decision.kind == Kind::reject) {
      // None of them: the record stands for itself and is created in the other systems.
      link.id = repo.max_link_id() + 1;
      link.members.resize(systems);
      link.base.resize(fields);
      link.held.assign(fields, false);
      done = review.system + ":" + engine::readable_key(key) + " is none of the matched records";
      status = "rejected";
    } else {
      throw ReviewError("an ambiguous match is settled with 'link ID --to LINK' or 'reject'");
    }
    MemberState member;
    member.key = key;
    member.known.assign(fields, std::nullopt);
    link.members[s] = member;
    repo.save_links({{link.id, engine::sync::encode_link(link)}});
    repo.drop_member_indexes();  // the next cycle plans every link, this one included
  } else if (review.kind == "conflict" || review.kind == "held_change") {
    const std::size_t f = index_of(model.fields, review.field);
    if (f >= fields) throw ReviewError("field '" + review.field + "' left the sync");
    const auto text = repo.load_link(review.link_id);
    if (!text) throw ReviewError("link " + std::to_string(review.link_id) + " is gone");
    LinkState link = engine::sync::decode_link(review.link_id, *text, systems, fields);
    const json values = detail.value("values", json::object());
    const auto value_of = [&](const std::string &system) {
      if (!values.contains(system)) {
        throw ReviewError("review " + std::to_string(id) + " holds no value from '" + system +
                          "' (it has: " + values.dump() + ")");
      }
      return values[system].get<std::string>();
    };
    switch (decision.kind) {
      case Kind::approve:
        link.base[f] = value_of(review.system);
        done = "approved " + review.system + "'s " + review.field + " " + in_quotes(*link.base[f]);
        status = "approved";
        break;
      case Kind::take:
        link.base[f] = value_of(decision.system);
        done = "took " + decision.system + "'s " + review.field + " " + in_quotes(*link.base[f]);
        break;
      case Kind::set:
        link.base[f] = decision.value;
        done = "set " + review.field + " to " + in_quotes(decision.value);
        break;
      case Kind::reject:
        done = "kept " + review.field + " " +
               (link.base[f] ? in_quotes(*link.base[f]) : std::string("empty")) + ", rejected " +
               review.system + "'s change";
        status = "rejected";
        break;
      case Kind::link: throw ReviewError("only an ambiguous match is settled with 'link'");
    }
    link.held[f] = false;
    repo.save_links({{link.id, engine::sync::encode_link(link)}});
    repo.drop_member_indexes();  // the next cycle plans every link, this one included
  } else if (review.kind == "delete_conflict") {
    // The record was deleted in `review.system` and lives on elsewhere. Approving the
    // delete (or taking that system) deletes it everywhere; rejecting it (or taking
    // another system) puts it back where it was deleted.
    const std::size_t d = index_of(system_names, review.system);
    if (d >= systems) throw ReviewError("system '" + review.system + "' left the sync");
    const auto text = repo.load_link(review.link_id);
    if (!text) throw ReviewError("link " + std::to_string(review.link_id) + " is gone");
    LinkState link = engine::sync::decode_link(review.link_id, *text, systems, fields);
    bool delete_it = false;
    switch (decision.kind) {
      case Kind::approve: delete_it = true; break;
      case Kind::reject: delete_it = false; break;
      case Kind::take:
        if (index_of(system_names, decision.system) >= systems) {
          throw ReviewError("sync " + sync.name + " has no system '" + decision.system + "'");
        }
        delete_it = decision.system == review.system;
        break;
      default:
        throw ReviewError(
            "a delete conflict is settled with 'approve' (delete it everywhere), 'reject' (put it "
            "back in " +
            review.system + ") or 'resolve --take SYSTEM'");
    }
    if (delete_it) {
      link.delete_pending = true;
      done = "approved " + review.system + "'s delete of link " + std::to_string(link.id) +
             ": the next cycle deletes it in every system";
      status = decision.kind == Kind::approve ? "approved" : "resolved";
    } else {
      link.members[d].reset();  // the next cycle creates it there again
      done = "kept link " + std::to_string(link.id) + ": the next cycle puts it back in " +
             review.system;
      status = decision.kind == Kind::reject ? "rejected" : "resolved";
    }
    repo.save_links({{link.id, engine::sync::encode_link(link)}});
    repo.drop_member_indexes();  // the next cycle plans every link, this one included
  } else {
    throw ReviewError("review " + std::to_string(id) + " is of an unknown kind '" + review.kind +
                      "'");
  }
  if (!decision.reason.empty()) done += " (" + decision.reason + ")";
  repo.close_review(id, status, decision.actor, done);
  store::AuditEntry e;
  e.actor = decision.actor;
  e.action = "review." + std::string(status == "approved"   ? "approve"
                                     : status == "rejected" ? "reject"
                                                            : "resolve");
  e.flow = "sync:" + sync.name;
  e.source_connector = sync.name;
  e.source_key = "review " + std::to_string(id);
  e.detail = done + "; the next cycle writes the systems that differ";
  std::vector<store::AuditEntry> entries{e};
  store::AuditLog(store.session(), store.backend()).append(entries);
  tx.commit();
  return done;
}

}  // namespace junction::app
