#include "message_template.hpp"

#include <gtest/gtest.h>

#include <map>

namespace junction::email {
namespace {

FieldLookup fields(std::map<std::string, std::string> values) {
  return [values](const std::string &name) -> std::optional<std::string> {
    const auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(MessageTemplate, FieldsAreEscapedInHtmlAndCannotAddHeaders) {
  const MessageTemplate t{"Members <members@example.org>", "Welcome, {{ name }}",
                          "Hello {{name}},\nwelcome.", "<p>Hello {{name}}</p>"};
  EXPECT_EQ(template_fields(t), (std::set<std::string>{"name"}));
  const auto f = fields({{"name", "Ann <b>&\"'\r\nBcc: x@evil.org"}});
  EXPECT_EQ(render(t.html, f, true),
            "<p>Hello Ann &lt;b&gt;&amp;&quot;&#39;\r\nBcc: x@evil.org</p>");
  const std::string m = build_message(t, f, "ann@example.org", "abc@junction.invalid",
                                      "Tue, 01 Dec 2026 05:31:09 +0000");
  // The subject stays one line: the value's line break cannot start a Bcc header.
  EXPECT_NE(m.find("Subject: Welcome, Ann <b>&\"'  Bcc: x@evil.org\r\n"), std::string::npos) << m;
  const std::string headers = m.substr(0, m.find("\r\n\r\n"));
  EXPECT_EQ(headers.find("\r\nBcc:"), std::string::npos) << headers;
  EXPECT_NE(m.find("Content-Type: multipart/alternative; boundary=\"=_junction_abc\""),
            std::string::npos);
  EXPECT_NE(m.find("Message-ID: <abc@junction.invalid>\r\n"), std::string::npos);
  EXPECT_NE(m.find("Hello Ann <b>&\"'\r\nBcc: x@evil.org,\r\nwelcome.\r\n"), std::string::npos)
      << "the plain-text body keeps the value as it is, with CRLF line ends";
}

TEST(MessageTemplate, ANonAsciiSubjectIsEncodedPerRfc2047) {
  const MessageTemplate t{"a@example.org", "Grüße, {{name}}", "x", ""};
  const std::string m =
      build_message(t, fields({{"name", "Zoë"}}), "z@example.org", "id@x", "date");
  // base64("Grüße, Zoë") computed outside this code.
  EXPECT_NE(m.find("Subject: =?UTF-8?B?R3LDvMOfZSwgWm/Dqw==?=\r\n"), std::string::npos) << m;
  EXPECT_NE(m.find("Content-Type: text/plain; charset=utf-8\r\n"), std::string::npos);
}

TEST(MessageTemplate, OnlyBareAddressesAreFitForAnEnvelope) {
  EXPECT_TRUE(plain_address("ann@example.org"));
  EXPECT_FALSE(plain_address("Ann <ann@example.org>"));
  EXPECT_FALSE(plain_address("ann@example.org\r\nRCPT TO:<x@evil.org>"));
  EXPECT_FALSE(plain_address("a@b@c"));
  EXPECT_FALSE(plain_address("@example.org"));
  EXPECT_EQ(rfc5322_date(1796103069), "Tue, 01 Dec 2026 05:31:09 +0000");
}

}  // namespace
}  // namespace junction::email
