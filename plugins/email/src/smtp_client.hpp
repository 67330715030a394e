// One SMTP connection through libcurl, kept between messages: STARTTLS required (unless the
// admin said "tls": "none") or implicit TLS for smtps://, certificate verification always
// on, AUTH when a user name is set. Never logs credentials: only the server's replies are
// kept. Not thread-safe: one client per sink.
#pragma once

#include <string>

#include "email_settings.hpp"

namespace junction::email {

struct SmtpReply {
  bool accepted = false;
  bool delivered_nothing = true;  // false once the server took the message
  long code = 0;                  // the last reply code (550 for a refused recipient)
  std::string line;               // the last reply line ("250 2.0.0 Ok: queued as Q1")
  std::string transport_error;    // set when no SMTP answer came (connection, TLS, timeout)
};

class SmtpClient {
 public:
  explicit SmtpClient(SmtpSettings settings);
  ~SmtpClient();
  SmtpClient(const SmtpClient &) = delete;
  SmtpClient &operator=(const SmtpClient &) = delete;

  SmtpReply send(const std::string &from_address, const std::string &to_address,
                 const std::string &message);

 private:
  SmtpSettings settings_;
  void *curl_ = nullptr;  // CURL*, kept so the connection is reused
};

// The queue ID a server reports in its reply to DATA ("... queued as Q1" gives "Q1").
std::string queue_id_of(const std::string &reply_line);

}  // namespace junction::email
