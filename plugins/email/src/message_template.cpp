#include "message_template.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include <openssl/evp.h>

namespace junction::email {
namespace {

std::string escape_html(const std::string &text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string one_line(const std::string &text) {
  std::string out;
  for (const char c : text) out += (c == '\r' || c == '\n') ? ' ' : c;
  return out;
}

bool ascii(const std::string &text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// RFC 2047 "B" encoding (base64 by OpenSSL) of a header value that is not ASCII, in words
// of at most 45 bytes of UTF-8 (never splitting a character).
std::string encoded_word(const std::string &text) {
  const auto base64 = [](const std::string &in) {
    std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()),
                                  reinterpret_cast<const unsigned char *>(in.data()),
                                  static_cast<int>(in.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
  };
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = std::min(text.size(), start + 45);
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(text.substr(start, end - start)) + "?=";
    start = end;
  }
  return out;
}

std::string crlf(const std::string &text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') continue;
    if (text[i] == '\n') {
      out += "\r\n";
      continue;
    }
    out += text[i];
  }
  if (out.size() < 2 || out.substr(out.size() - 2) != "\r\n") out += "\r\n";
  return out;
}

}  // namespace

std::set<std::string> template_fields(const MessageTemplate &t) {
  std::set<std::string> names;
  for (const std::string *text : {&t.subject, &t.text, &t.html}) {
    std::size_t at = 0;
    while ((at = text->find("{{", at)) != std::string::npos) {
      const auto end = text->find("}}", at + 2);
      if (end == std::string::npos) break;
      std::string name = text->substr(at + 2, end - at - 2);
      name.erase(0, name.find_first_not_of(' '));
      name.erase(name.find_last_not_of(' ') + 1);
      if (!name.empty()) names.insert(name);
      at = end + 2;
    }
  }
  return names;
}

std::string render(const std::string &text, const FieldLookup &field, bool html) {
  std::string out;
  std::size_t at = 0;
  for (;;) {
    const auto open = text.find("{{", at);
    const auto close = open == std::string::npos ? open : text.find("}}", open + 2);
    if (close == std::string::npos) {
      out += text.substr(at);
      return out;
    }
    out += text.substr(at, open - at);
    std::string name = text.substr(open + 2, close - open - 2);
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    const std::string value = field(name).value_or("");
    out += html ? escape_html(value) : value;
    at = close + 2;
  }
}

bool plain_address(const std::string &address) {
  const auto at = address.find('@');
  if (at == std::string::npos || at == 0 || at + 1 >= address.size()) return false;
  if (address.find('@', at + 1) != std::string::npos) return false;
  return std::none_of(address.begin(), address.end(), [](unsigned char c) {
    return c <= ' ' || c == '<' || c == '>' || c == ',' || c == ';' || c == '"' || c == 0x7f;
  });
}

std::string rfc5322_date(std::int64_t seconds) {
  const std::time_t t = seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  static const char *days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char *months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char out[64];
  std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
                tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return out;
}

std::string build_message(const MessageTemplate &t, const FieldLookup &field, const std::string &to,
                          const std::string &message_id, const std::string &date) {
  const std::string subject = one_line(render(t.subject, field, false));
  std::string out = "From: " + one_line(t.from) + "\r\nTo: " + to +
                    "\r\nSubject: " + (ascii(subject) ? subject : encoded_word(subject)) +
                    "\r\nDate: " + date + "\r\nMessage-ID: <" + message_id +
                    ">\r\nMIME-Version: 1.0\r\n";
  const auto part = [&](const std::string &type, const std::string &body) {
    return "Content-Type: " + type + "; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
           crlf(body);
  };
  const std::string text = t.text.empty() ? std::string() : render(t.text, field, false);
  const std::string html = t.html.empty() ? std::string() : render(t.html, field, true);
  if (!text.empty() && !html.empty()) {
    const std::string boundary = "=_junction_" + message_id.substr(0, message_id.find('@'));
    out += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
    out += "--" + boundary + "\r\n" + part("text/plain", text);
    out += "--" + boundary + "\r\n" + part("text/html", html);
    out += "--" + boundary + "--\r\n";
  } else if (!html.empty()) {
    out += part("text/html", html);
  } else {
    out += part("text/plain", text);
  }
  return out;
}

}  // namespace junction::email
