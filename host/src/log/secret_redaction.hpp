// Secrets never leave the process in clear. Every secret value the host learns (from a
// ${env:} or ${file:} reference, or a password in a store URL) is registered here once;
// everything the host prints, logs or stores as words (messages, error queue, audit, run
// results) passes through redact(), which replaces each registered value, wherever it
// appears, by "***". One mechanism rather than a mask per message: a value used inside a
// path, a URL or a plugin's own error text is caught all the same.
#pragma once

#include <streambuf>
#include <string>
#include <string_view>

namespace junction::log {

// Values shorter than this are not registered: masking every "ab" in every message would
// make messages unreadable without protecting anything worth the name.
inline constexpr std::size_t min_secret_length = 4;

// Registers `value` and the forms it takes once percent-encoded, percent-decoded or
// escaped in JSON. Safe from any thread.
void register_secret(std::string_view value);

// `text` with every registered value replaced by "***".
std::string redact(std::string_view text);
void redact_in_place(std::string &text);

// Forgets every registered value (tests).
void forget_secrets();

// A stream buffer that redacts what passes through it, line by line, before handing it on
// to `target` (std::cout's and std::cerr's buffers in the CLI).
class RedactingStreambuf : public std::streambuf {
 public:
  explicit RedactingStreambuf(std::streambuf *target) : target_(target) {}
  ~RedactingStreambuf() override;
  RedactingStreambuf(const RedactingStreambuf &) = delete;
  RedactingStreambuf &operator=(const RedactingStreambuf &) = delete;

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char *s, std::streamsize n) override;
  int sync() override;

 private:
  void emit(std::size_t length);

  std::streambuf *target_;
  std::string pending_;  // the current, unfinished line
};

}  // namespace junction::log
