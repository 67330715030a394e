#include "app/alert_delivery.hpp"

#include <algorithm>
#include <chrono>

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include "store/timestamps.hpp"

namespace junction::app {
namespace {

struct Upload {
  std::string text;
  std::size_t offset = 0;
};

std::size_t read_upload(char *buffer, std::size_t size, std::size_t count, void *user) {
  auto *u = static_cast<Upload *>(user);
  const std::size_t n = std::min(size * count, u->text.size() - u->offset);
  std::copy_n(u->text.data() + u->offset, n, buffer);
  u->offset += n;
  return n;
}

std::size_t discard(char *, std::size_t size, std::size_t count, void *) {
  return size * count;
}

// Returns "" when sent, else what went wrong.
std::string post_json(const std::string &url, const std::string &body) {
  CURL *curl = curl_easy_init();
  if (curl == nullptr) return "cannot start an HTTP client";
  curl_slist *headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &discard);
  const CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK) return curl_easy_strerror(code);
  if (status < 200 || status > 299) return "the receiver answered HTTP " + std::to_string(status);
  return "";
}

std::string send_mail(const config::AlertChannel &channel, const std::string &subject,
                      const std::string &text) {
  CURL *curl = curl_easy_init();
  if (curl == nullptr) return "cannot start an SMTP client";
  Upload upload;
  upload.text = "From: " + channel.from + "\r\nTo: ";
  for (std::size_t i = 0; i < channel.to.size(); ++i) {
    upload.text += (i > 0 ? ", " : "") + channel.to[i];
  }
  upload.text += "\r\nSubject: " + subject + "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
                 text + "\r\n";
  curl_slist *recipients = nullptr;
  for (const auto &to : channel.to)
    recipients = curl_slist_append(recipients, ("<" + to + ">").c_str());
  const std::string from = "<" + channel.from + ">";
  curl_easy_setopt(curl, CURLOPT_URL, channel.url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
  // STARTTLS when the server offers it; required before a password is sent.
  curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
  if (!channel.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, channel.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, channel.password.c_str());
    curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  }
  if (!channel.ca_bundle.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, channel.ca_bundle.c_str());
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, &read_upload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(recipients);
  curl_easy_cleanup(curl);
  return code == CURLE_OK ? "" : curl_easy_strerror(code);
}

}  // namespace

nlohmann::json alert_json(const AlertEvent &event, const std::string &service_name) {
  nlohmann::json out = {{"status", event.status},
                        {"alert", event.alert.rule},
                        {"subject", event.alert.subject},
                        {"summary", event.alert.summary},
                        {"starts_at", store::utc_text(event.started)},
                        {"service", service_name}};
  if (event.status == "resolved") out["ends_at"] = store::utc_text(event.at);
  return out;
}

AlertSender::AlertSender(std::string service_name)
    : service_name_(std::move(service_name)), thread_([this] { loop(); }) {}

AlertSender::~AlertSender() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void AlertSender::set_channels(std::vector<config::AlertChannel> channels) {
  const std::lock_guard lock(mutex_);
  channels_ = std::move(channels);
}

void AlertSender::send(const std::vector<AlertEvent> &events) {
  for (const auto &e : events) {
    // The log always gets every alert.
    if (e.status == "firing") {
      spdlog::warn("alert {} firing for {}: {}", e.alert.rule, e.alert.subject, e.alert.summary);
    } else {
      spdlog::info("alert {} resolved for {}", e.alert.rule, e.alert.subject);
    }
  }
  {
    const std::lock_guard lock(mutex_);
    queue_.insert(queue_.end(), events.begin(), events.end());
  }
  wake_.notify_all();
}

void AlertSender::drain() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

void AlertSender::loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) {
      if (stopping_) return;
      continue;
    }
    const AlertEvent event = queue_.front();
    queue_.pop_front();
    busy_ = true;
    const auto channels = channels_;
    lock.unlock();
    deliver(event, channels);
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
}

void AlertSender::deliver(const AlertEvent &event,
                          const std::vector<config::AlertChannel> &channels) {
  const std::string body = alert_json(event, service_name_).dump();
  const std::string subject =
      "[junction] " + event.alert.rule + " " + event.status + ": " + event.alert.subject;
  const std::string text = event.alert.summary + "\n\nstatus: " + event.status +
                           "\nsince: " + store::utc_text(event.started) + "\n";
  for (const auto &channel : channels) {
    std::string failure;
    for (int attempt = 0; attempt < 3; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(500 * attempt));
      failure = channel.kind == "webhook" ? post_json(channel.url, body)
                                          : send_mail(channel, subject, text);
      if (failure.empty()) break;
    }
    if (!failure.empty()) {
      spdlog::error("alert {} for {} could not be sent ({} at {}): {}", event.alert.rule,
                    event.alert.subject, channel.kind, channel.pointer, failure);
    }
  }
}

}  // namespace junction::app
