#include "message_sink.hpp"

#include <chrono>
#include <cstdio>

#include "fingerprint.hpp"
#include "junction/errors.hpp"
#include "junction/value_text.hpp"
#include "message_template.hpp"

namespace junction::email {
namespace {

std::string address_in(const std::string &from) {
  const auto lt = from.find('<');
  return lt == std::string::npos ? from : from.substr(lt + 1, from.find('>', lt) - lt - 1);
}

std::string trimmed_text(const std::string &s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

bool login_refused(long code) {
  return code == 530 || code == 534 || code == 535;
}

}  // namespace

MessageSink::MessageSink(const std::string &entity, const MessageSettings &settings,
                         const SmtpSettings &smtp, Host host)
    : entity_(entity),
      settings_(settings),
      from_address_(address_in(settings.message.from)),
      smtp_(smtp),
      host_(host) {}

void MessageSink::check_fields(const BatchView &batch) const {
  std::string missing;
  auto names = template_fields(settings_.message);
  names.insert(settings_.to_field);
  for (const auto &name : names) {
    if (batch.field_index(name) == BatchView::npos) missing += (missing.empty() ? "" : ", ") + name;
  }
  if (missing.empty()) return;
  std::string have;
  for (std::size_t f = 0; f < batch.field_count(); ++f) {
    have += (have.empty() ? "" : ", ") + std::string(batch.field_name(f));
  }
  throw FatalError("message entity '" + entity_ + "' names fields the records lack: " + missing +
                   " (they carry: " + have + "); nothing was sent");
}

void MessageSink::write(const BatchView &batch, Outcomes &outcomes) {
  if (!fields_checked_) {
    check_fields(batch);
    fields_checked_ = true;
  }
  const std::size_t to_field = batch.field_index(settings_.to_field);
  bool any_accepted = false;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const RecordView record = batch.record(i);
    if (record.operation() == Operation::remove) {
      outcomes.written(i, WriteAction::nothing);  // a message cannot be taken back
      continue;
    }
    if (settings_.once && !batch.member_key(i).empty()) {
      outcomes.written(i, WriteAction::nothing, batch.member_key(i));  // sent before
      continue;
    }
    std::string to;
    append_value_text(to, record.value(to_field));
    to = trimmed_text(to);
    if (!plain_address(to)) {
      outcomes.rejected(i, "'" + to + "' in field " + settings_.to_field +
                               " is not an email address; no message was sent");
      continue;
    }
    const FieldLookup field = [&](const std::string &name) -> std::optional<std::string> {
      const std::size_t f = batch.field_index(name);
      if (f == BatchView::npos) return std::nullopt;
      std::string text;
      append_value_text(text, record.value(f));
      return text;
    };
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    // The same record and content give the same Message-ID, so that a receiver can tell
    // a resend after a crash from a new message.
    std::string identity = entity_;
    for (const std::string &part : {to, render(settings_.message.subject, field, false),
                                    render(settings_.message.text, field, false),
                                    render(settings_.message.html, field, true)}) {
      identity += '\x1f';
      identity += part;
    }
    const std::string message_id = fnv1a_hex(identity) + "@junction.invalid";
    const std::string message =
        build_message(settings_.message, field, to, message_id, rfc5322_date(now));
    const SmtpReply reply = smtp_.send(from_address_, to, message);
    if (reply.accepted) {
      any_accepted = true;
      const std::string queue_id = queue_id_of(reply.line);
      outcomes.written(i, WriteAction::created, queue_id.empty() ? message_id : queue_id);
      continue;
    }
    if (login_refused(reply.code)) {
      throw FatalError("the SMTP server refused the login (" + reply.line +
                       "); check smtp.username and the password reference");
    }
    if (!reply.transport_error.empty()) {
      if (!any_accepted) throw TransientError(reply.transport_error);
      outcomes.transient(i, reply.transport_error);
      continue;
    }
    if (reply.code >= 500) {
      outcomes.rejected(i, "the SMTP server refused the message to " + to + ": " + reply.line);
    } else {
      outcomes.transient(i, "the SMTP server deferred the message to " + to + ": " + reply.line);
    }
  }
}

}  // namespace junction::email
