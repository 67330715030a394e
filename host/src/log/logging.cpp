#include "log/logging.hpp"

#include <chrono>
#include <memory>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

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
  auto logger = std::make_shared<spdlog::logger>("junction", sink);
  logger->set_level(parsed);
  spdlog::set_default_logger(logger);
  return true;
}

}  // namespace junction::log
