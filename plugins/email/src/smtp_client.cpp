#include "smtp_client.hpp"

#include <algorithm>
#include <mutex>

#include <curl/curl.h>

namespace junction::email {
namespace {

struct Upload {
  const std::string *data;
  std::size_t at = 0;
};

std::size_t on_read(char *buffer, std::size_t size, std::size_t count, void *user) {
  auto *up = static_cast<Upload *>(user);
  const std::size_t n = std::min(size * count, up->data->size() - up->at);
  std::copy_n(up->data->data() + up->at, n, buffer);
  up->at += n;
  return n;
}

struct ReplyLines {
  std::string last;
  std::string refusal;  // the first 4xx or 5xx line: the QUIT after it says only "221 Bye"
};

// Keeps the server's reply lines (and nothing the client sent: AUTH carries the password).
int on_debug(CURL *, curl_infotype type, char *data, std::size_t size, void *user) {
  if (type == CURLINFO_HEADER_IN) {
    auto *lines = static_cast<ReplyLines *>(user);
    std::string line(data, size);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (lines->refusal.empty() && !line.empty() && (line[0] == '4' || line[0] == '5')) {
      lines->refusal = line;
    }
    lines->last = line;
  }
  return 0;
}

}  // namespace

std::string queue_id_of(const std::string &reply_line) {
  const auto at = reply_line.find("queued as ");
  if (at == std::string::npos) return {};
  std::string id = reply_line.substr(at + 10);
  const auto end = id.find_first_of(" \t\r\n");
  return end == std::string::npos ? id : id.substr(0, end);
}

SmtpClient::SmtpClient(SmtpSettings settings) : settings_(std::move(settings)) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
}

SmtpClient::~SmtpClient() {
  curl_easy_cleanup(static_cast<CURL *>(curl_));
}

SmtpReply SmtpClient::send(const std::string &from_address, const std::string &to_address,
                           const std::string &message) {
  SmtpReply reply;
  CURL *curl = static_cast<CURL *>(curl_);
  if (curl == nullptr) {
    reply.transport_error = "cannot start an SMTP client";
    return reply;
  }
  curl_easy_reset(curl);  // keeps the connection cache
  curl_slist *rcpt = curl_slist_append(nullptr, ("<" + to_address + ">").c_str());
  Upload upload{&message};
  ReplyLines lines;
  curl_easy_setopt(curl, CURLOPT_URL, settings_.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, ("<" + from_address + ">").c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, &on_read);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);
  curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, &on_debug);
  curl_easy_setopt(curl, CURLOPT_DEBUGDATA, &lines);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(settings_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (settings_.starttls)
    curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  if (!settings_.ca_bundle.empty())
    curl_easy_setopt(curl, CURLOPT_CAINFO, settings_.ca_bundle.c_str());
  if (!settings_.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, settings_.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, settings_.password.c_str());
  }
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(rcpt);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.code);
  reply.accepted = code == CURLE_OK;
  reply.line = reply.accepted || lines.refusal.empty() ? lines.last : lines.refusal;
  reply.delivered_nothing = !reply.accepted;
  if (code != CURLE_OK && reply.code < 400) {
    // No refusal from the server: the connection, TLS or a timeout failed.
    reply.transport_error = std::string("SMTP ") + settings_.url + ": " + curl_easy_strerror(code);
  }
  return reply;
}

}  // namespace junction::email
