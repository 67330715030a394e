// Messages made from a record: `{{field}}` in the subject, the plain-text body and the HTML
// body is replaced by the record's value of that field (HTML-escaped in the HTML body; line
// breaks removed in the subject, so a value cannot add a header). The message is an RFC 5322
// text with CRLF line ends: UTF-8, a subject encoded per RFC 2047 when it is not ASCII, and
// multipart/alternative when it has both bodies.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>

namespace junction::email {

struct MessageTemplate {
  std::string from;     // "Members <members@example.org>"
  std::string subject;  // "Welcome, {{first_name}}"
  std::string text;     // plain-text body; empty: none
  std::string html;     // HTML body; empty: none
};

// A field's value by name; nullopt when the record lacks the field.
using FieldLookup = std::function<std::optional<std::string>(const std::string &)>;

// The fields a template names, to tell an admin about a typo before anything is sent.
std::set<std::string> template_fields(const MessageTemplate &t);

std::string render(const std::string &text, const FieldLookup &field, bool html);

// The whole message. `message_id` without angle brackets; `date` as RFC 5322 gives it.
std::string build_message(const MessageTemplate &t, const FieldLookup &field, const std::string &to,
                          const std::string &message_id, const std::string &date);

// True for a bare address fit for an envelope: one '@', no spaces, brackets or line breaks.
bool plain_address(const std::string &address);

// "Tue, 01 Dec 2026 05:31:09 +0000"
std::string rfc5322_date(std::int64_t seconds);

}  // namespace junction::email
