// The email connector: Mailchimp Marketing API v3-compatible audience members, read by
// change time (unsubscribes and bounces included) and written by subscriber hash within
// the platform's compliance rules, over HTTPS through libcurl; and messages sent per record
// through SMTP.
#include "email_api.hpp"
#include "email_settings.hpp"
#include "junction/errors.hpp"
#include "junction/sdk.hpp"
#include "junction/value_text.hpp"
#include "member_records.hpp"
#include "member_sink.hpp"
#include "member_source.hpp"
#include "message_sink.hpp"

namespace junction::email {

class EmailConnector : public Connector {
 public:
  static constexpr bool can_look_up = true;

  explicit EmailConnector(const ConnectorInit &init)
      : Connector(init), settings_(parse_settings(init.config)) {}

  std::unique_ptr<Source> open_source(const SourceRequest &request) override {
    if (settings_.is_message(request.entity)) {
      throw FatalError("entity '" + request.entity + "' sends messages; it cannot be read");
    }
    return std::make_unique<MemberSource>(settings_, settings_.entity(request.entity), host(),
                                          request);
  }

  std::unique_ptr<Sink> open_sink(const SinkRequest &request) override {
    if (settings_.is_message(request.entity)) {
      return std::make_unique<MessageSink>(request.entity, settings_.messages.at(request.entity),
                                           *settings_.smtp, host());
    }
    return std::make_unique<MemberSink>(settings_, settings_.entity(request.entity), host());
  }

  // Members by email address, through the member search (one request per address).
  void lookup(const LookupRequest &request, BatchBuilder &found,
              std::vector<std::uint32_t> &query_index) override {
    const auto &audience = settings_.entity(request.entity);
    const std::size_t email_field = request.queries.field_index("email_address");
    for (std::size_t f = 0; f < request.queries.field_count(); ++f) {
      if (request.queries.field_name(f) != "email_address") {
        throw FatalError("the email connector looks members up by email_address only, not by " +
                         std::string(request.queries.field_name(f)));
      }
    }
    const auto fields = member_fields(request.fields, audience);
    found.set_fields(fields);
    found.set_key_fields({0});
    if (email_field == BatchView::npos) return;
    EmailApi api(settings_, host());
    for (std::size_t q = 0; q < request.queries.size(); ++q) {
      std::string email;
      append_value_text(email, request.queries.record(q).value(email_field));
      if (email.empty()) continue;
      const auto response =
          api.send("GET", "/3.0/search-members?list_id=" + url_encode(audience.list_id) +
                              "&query=" + url_encode(email));
      if (response.status != 200) {
        throw FatalError("GET /3.0/search-members refused a lookup: " + problem_message(response));
      }
      const auto answer = EmailApi::json_of(response, "GET /3.0/search-members");
      const auto exact = answer.value("exact_matches", nlohmann::json::object());
      for (const auto &m : exact.value("members", nlohmann::json::array())) {
        if (m.value("list_id", audience.list_id) != audience.list_id) continue;
        if (subscriber_hash(m.value("email_address", "")) != subscriber_hash(email)) continue;
        add_member(found, fields, m, Operation::upsert);
        query_index.push_back(static_cast<std::uint32_t>(q));
        break;
      }
    }
  }

  // The configured merge fields and the member fields, without asking the platform.
  std::optional<std::vector<std::string>> describe_fields(const std::string &entity) override {
    if (settings_.is_message(entity)) return std::nullopt;
    return member_fields({}, settings_.entity(entity));
  }

 private:
  EmailSettings settings_;
};

}  // namespace junction::email

JUNCTION_PLUGIN(junction::email::EmailConnector, JUNCTION_SOURCE_AND_SINK)
