#include "log/logging.hpp"

#include <chrono>
#include <memory>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "log/secret_redaction.hpp"
#include "store/timestamps.hpp"

namespace junction::log {
namespace {

// One JSON object per line; the message is escaped properly, which a pattern cannot do.
class JsonLineFormatter : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg &msg, spdlog::memory_buf_t &dest) override {
    nlohmann::json line;
    line["time"] = store::utc_text(msg.time);
    line["level"] = std::string(spdlog::level::to_string_view(msg.level).data(),
                                spdlog::level::to_string_view(msg.level).size());
    line["message"] = std::string(msg.payload.data(), msg.payload.size());
    const std::string text =
        line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonLineFormatter>();
  }
};

// Hands every message on with its secrets replaced, before any formatter sees it (a JSON
// formatter would escape a secret into another form).
class RedactingSink : public spdlog::sinks::sink {
 public:
  explicit RedactingSink(std::shared_ptr<spdlog::sinks::sink> target)
      : target_(std::move(target)) {}
  void log(const spdlog::details::log_msg &msg) override {
    const std::string text = redact(std::string_view(msg.payload.data(), msg.payload.size()));
    spdlog::details::log_msg copy = msg;
    copy.payload = spdlog::string_view_t(text.data(), text.size());
    target_->log(copy);
  }
  void flush() override { target_->flush(); }
  void set_pattern(const std::string &pattern) override { target_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override {
    target_->set_formatter(std::move(formatter));
  }

 private:
  std::shared_ptr<spdlog::sinks::sink> target_;
};

}  // namespace

bool setup_logging(Format format, const std::string &level) {
  const auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") return false;
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  if (format == Format::json) {
    sink->set_formatter(std::make_unique<JsonLineFormatter>());
  } else {
    sink->set_pattern("%Y-%m-%d %H:%M:%S %^%-5l%$ %v");
  }
  auto logger = std::make_shared<spdlog::logger>("junction", std::make_shared<RedactingSink>(sink));
  logger->set_level(parsed);
  spdlog::set_default_logger(logger);
  return true;
}

}  // namespace junction::log
