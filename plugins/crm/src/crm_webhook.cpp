#include "crm_webhook.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <nlohmann/json.hpp>

#include "junction/errors.hpp"

namespace junction::crm {
namespace {

// "contact.propertyChange" -> "contacts"; custom objects name their type ID in objectTypeId.
std::string object_type_of(const nlohmann::json &event) {
  const std::string subscription = event.value("subscriptionType", "");
  const std::string kind = subscription.substr(0, subscription.find('.'));
  if (kind == "contact") return "contacts";
  if (kind == "company") return "companies";
  if (kind == "deal") return "deals";
  if (kind == "ticket") return "tickets";
  if (kind == "object") return event.value("objectTypeId", "");
  return "";
}

}  // namespace

std::string webhook_signature(const std::string &secret, const std::string &text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char *>(text.data()), text.size(), digest, &length);
  std::string encoded(std::size_t{4} * ((length + 2) / 3), '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(encoded.data()), digest,
                                      static_cast<int>(length));
  encoded.resize(static_cast<std::size_t>(written));
  return encoded;
}

std::vector<WebhookChange> read_webhook(const CrmSettings &settings, const WebhookRequest &request,
                                        std::chrono::system_clock::time_point now) {
  if (settings.webhook_secret.empty()) {
    throw RecordError("webhooks need webhook_secret (the app's client secret) in the config");
  }
  const std::string signature = request.header("x-hubspot-signature-v3");
  const std::string timestamp = request.header("x-hubspot-request-timestamp");
  if (signature.empty() || timestamp.empty()) {
    throw RecordError("the request carries no X-HubSpot-Signature-v3 and timestamp");
  }
  long long sent_ms = 0;
  try {
    sent_ms = std::stoll(timestamp);
  } catch (const std::exception &) {
    throw RecordError("X-HubSpot-Request-Timestamp is not a number");
  }
  const auto age = now - std::chrono::system_clock::time_point(std::chrono::milliseconds(sent_ms));
  if (age > settings.webhook_max_age || age < -settings.webhook_max_age) {
    throw RecordError("the request's timestamp is more than " +
                      std::to_string(settings.webhook_max_age.count()) +
                      " s away from now (a replay, or a clock to fix)");
  }
  const std::string expected = webhook_signature(
      settings.webhook_secret, request.method + request.url + request.body + timestamp);
  if (expected.size() != signature.size() ||
      CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) != 0) {
    throw RecordError(
        "the signature does not verify with webhook_secret (is the URL the CRM "
        "calls the one the service sees? behind a proxy, set it to forward Host)");
  }
  const auto events = nlohmann::json::parse(request.body, nullptr, false);
  if (!events.is_array()) throw RecordError("the body is not a JSON array of events");
  std::vector<WebhookChange> changes;
  for (const auto &event : events) {
    if (!event.is_object() || !event.contains("objectId")) continue;
    const auto &id = event["objectId"];
    const std::string key = id.is_string() ? id.get<std::string>() : id.dump();
    const std::string type = object_type_of(event);
    for (const auto &[entity, e] : settings.entities) {
      if (!type.empty() && e.object_type == type) changes.push_back({entity, key});
    }
  }
  return changes;
}

}  // namespace junction::crm
