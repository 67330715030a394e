// Sends one message per record through SMTP from the entity's template (see
// message_template.hpp). An accepted message is the record's outcome, with the server's
// queue ID as its target key; a recipient the server refuses (5xx) rejects the record, a
// 4xx reply leaves it for a retry, a refused login stops the connector. With "send":
// "once" (a welcome), a record the host has written before (it hands over its target key)
// is not sent again whatever changed; deletes send nothing. A batch is sent whole even when
// the run is stopping (the host stops between batches): a batch given up half way would be
// sent again, and its first messages twice.
#pragma once

#include <string>

#include "email_settings.hpp"
#include "junction/connector.hpp"
#include "smtp_client.hpp"

namespace junction::email {

class MessageSink : public Sink {
 public:
  MessageSink(const std::string &entity, const MessageSettings &settings, const SmtpSettings &smtp,
              Host host);
  void write(const BatchView &batch, Outcomes &outcomes) override;

 private:
  // Refuses a template naming fields the records lack, before anything is sent.
  void check_fields(const BatchView &batch) const;

  std::string entity_;
  const MessageSettings &settings_;
  std::string from_address_;
  SmtpClient smtp_;
  Host host_;
  bool fields_checked_ = false;
};

}  // namespace junction::email
