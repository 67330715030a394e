// Writes members of one audience, keeping the platform's compliance rules:
// - a record carrying no status adds a new member with the audience's status_if_new and
//   never touches an existing member's status;
// - "subscribed" or "pending" is checked against the member first: one who unsubscribed or
//   was cleaned is never resubscribed (the record is refused, nothing is sent for it);
// - "unsubscribed" is sent as the member's status; "cleaned" and "archived" are the
//   platform's to set and are refused.
// Upserts go as PUT by subscriber hash (merge fields, language, VIP), then tags; a record
// without an address but with the member's hash (a sync's partial update) as PATCH. From
// `bulk_from` upserts in a batch, addresses not known to be members go first through
// batch subscribe (500 a request, update_existing false, so that no status changes):
// existing members come back as "Member Exists" and take the PUT way. Deletes archive the
// member, or delete it permanently when the admin configured it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "email_api.hpp"
#include "email_settings.hpp"
#include "junction/connector.hpp"

namespace junction::email {

class MemberSink : public Sink {
 public:
  MemberSink(const EmailSettings &settings, const AudienceSettings &audience, Host host);
  void write(const BatchView &batch, Outcomes &outcomes) override;

 private:
  struct Upsert {
    std::size_t record = 0;
    std::string email;
    std::string hash;
    std::optional<std::string> status;  // the record's wish, when it carries one
    nlohmann::json body;                // merge_fields, language, vip
    std::vector<std::string> tags;
    bool created = false;

    std::string who() const { return email.empty() ? "member " + hash : email; }
  };

  void put(Upsert &u, Outcomes &outcomes);
  // Adds `upserts` not yet members through batch subscribe; returns those that exist.
  std::vector<Upsert> subscribe_new(std::vector<Upsert> upserts, Outcomes &outcomes);
  void remove(std::size_t record, const std::string &hash, Outcomes &outcomes);
  void apply_tags(const Upsert &u, Outcomes &outcomes);
  std::string member_path(const std::string &hash) const;

  const AudienceSettings &audience_;
  EmailApi api_;
};

}  // namespace junction::email
