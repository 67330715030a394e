// The crm connector: HubSpot CRM v3-compatible objects (contacts, companies, deals, custom
// objects) read by change time and written in batches, over HTTPS through libcurl.
#include "crm_lookup.hpp"
#include "crm_settings.hpp"
#include "crm_sink.hpp"
#include "crm_source.hpp"
#include "crm_webhook.hpp"
#include "junction/plugin.hpp"

namespace junction::crm {

class CrmConnector : public Connector {
 public:
  static constexpr bool can_look_up = true;
  static constexpr bool can_receive_webhooks = true;

  explicit CrmConnector(const ConnectorInit &init)
      : Connector(init), settings_(parse_settings(init.config)) {}

  std::unique_ptr<Source> open_source(const SourceRequest &request) override {
    return std::make_unique<CrmSource>(settings_, settings_.entity(request.entity), host(), request,
                                       request.fields);
  }

  std::unique_ptr<Sink> open_sink(const SinkRequest &request) override {
    return std::make_unique<CrmSink>(settings_, settings_.entity(request.entity), host(), request);
  }

  void lookup(const LookupRequest &request, BatchBuilder &found,
              std::vector<std::uint32_t> &query_index) override {
    ApiClient api(settings_, host());
    look_up(api, settings_.entity(request.entity), request, found, query_index);
  }

  std::vector<WebhookChange> webhook(const WebhookRequest &request) override {
    return read_webhook(settings_, request, std::chrono::system_clock::now());
  }

  // The configured properties, without asking the CRM: `check` must not need the network.
  std::optional<std::vector<std::string>> describe_fields(const std::string &entity) override {
    const auto &e = settings_.entity(entity);
    if (e.properties.empty()) return std::nullopt;
    std::vector<std::string> fields{"id"};
    fields.insert(fields.end(), e.properties.begin(), e.properties.end());
    return fields;
  }

 private:
  CrmSettings settings_;
};

}  // namespace junction::crm

JUNCTION_PLUGIN(junction::crm::CrmConnector, JUNCTION_SOURCE_AND_SINK)
