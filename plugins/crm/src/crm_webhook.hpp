// Webhooks from the CRM (HubSpot's v3 signature): the request is authentic when
// X-HubSpot-Signature-v3 is the base64 HMAC-SHA256, keyed with the app's client secret, of
// method + URL + body + X-HubSpot-Request-Timestamp, and the timestamp is recent. The body
// is an array of events; each names an object by type and ID.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "crm_settings.hpp"
#include "junction/connector.hpp"

namespace junction::crm {

// The changed objects, as (entity, object ID) for every configured entity of the event's
// object type. Throws RecordError when the request is not authentic or not understood.
std::vector<WebhookChange> read_webhook(const CrmSettings &settings, const WebhookRequest &request,
                                        std::chrono::system_clock::time_point now);

// base64(HMAC-SHA256(secret, text)).
std::string webhook_signature(const std::string &secret, const std::string &text);

}  // namespace junction::crm
