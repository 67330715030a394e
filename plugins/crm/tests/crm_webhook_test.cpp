#include "crm_webhook.hpp"

#include <gtest/gtest.h>

namespace junction::crm {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

// The signature below was computed outside this code, from HubSpot's description of v3:
// base64(HMAC-SHA256(secret, "POST" + URL + body + timestamp)).
const std::string body =
    R"([{"objectId":1234,"subscriptionType":"contact.propertyChange","propertyName":"email"},)"
    R"({"objectId":77,"subscriptionType":"company.creation"}])";
const std::string url = "https://junction.example.org/hooks/crm";
const std::string timestamp = "1764590400000";
const std::string signature = "+nGExB2HbjFzg5oFfFBzXG1b3WEU8yOwkQGtfesycS4=";
const system_clock::time_point sent{milliseconds(1764590400000)};

CrmSettings settings() {
  auto s = parse_settings(
      R"({"token": "t", "webhook_secret": "app-secret-7d1e",
          "entities": {"people": {"object_type": "contacts"}, "firms": {"object_type": "companies"},
                       "deals": {}}})");
  return s;
}

WebhookRequest request() {
  return {"POST",
          url,
          {{"x-hubspot-signature-v3", signature}, {"x-hubspot-request-timestamp", timestamp}},
          body};
}

TEST(CrmWebhook, AnAuthenticRequestNamesEachChangedObjectOfAConfiguredEntity) {
  const auto changes = read_webhook(settings(), request(), sent + std::chrono::seconds(2));
  ASSERT_EQ(changes.size(), 2U);
  EXPECT_EQ(changes[0].entity, "people");
  EXPECT_EQ(changes[0].key, "1234");
  EXPECT_EQ(changes[1].entity, "firms");
  EXPECT_EQ(changes[1].key, "77");
}

TEST(CrmWebhook, RefusesAForgedAStaleOrAnUnsignedRequest) {
  auto forged = request();
  forged.body[12] = '5';  // another object ID, same signature
  EXPECT_THROW(read_webhook(settings(), forged, sent), RecordError);
  auto elsewhere = request();
  elsewhere.url = "https://attacker.example/hooks/crm";
  EXPECT_THROW(read_webhook(settings(), elsewhere, sent), RecordError);
  EXPECT_THROW(read_webhook(settings(), request(), sent + std::chrono::minutes(6)), RecordError);
  auto unsigned_request = request();
  unsigned_request.headers.erase("x-hubspot-signature-v3");
  EXPECT_THROW(read_webhook(settings(), unsigned_request, sent), RecordError);
  auto no_secret = settings();
  no_secret.webhook_secret.clear();
  try {
    read_webhook(no_secret, request(), sent);
    FAIL() << "a connector without a secret took a webhook";
  } catch (const RecordError &e) {
    EXPECT_NE(std::string(e.what()).find("webhook_secret"), std::string::npos);
  }
}

}  // namespace
}  // namespace junction::crm
