// Test plugin "faulty": controlled failures for the delivery guarantees.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <regex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include <junction/sdk.hpp>

namespace {

using nlohmann::json;

class GeneratedSource : public junction::Source {
 public:
  GeneratedSource(const json &config, const junction::SourceRequest &request)
      : total_(config.value("generate", std::int64_t{0})),
        fail_after_(config.value("fail_read_after", std::int64_t{-1})),
        fail_times_(config.value("fail_read_times", 0)),
        fatal_(config.value("fail_read_fatal", false)),
        batch_size_(request.batch_size) {
    if (!request.cursor.empty()) next_ = std::stoll(request.cursor);
  }

  void next(junction::SourceBatch &out) override {
    out.records.set_fields({"id", "name", "value"});
    out.records.set_key_fields({0});
    for (std::uint32_t n = 0; n < batch_size_ && next_ < total_; ++n) {
      if (fail_after_ >= 0 && served_ >= fail_after_ && failures_ < fail_times_) {
        ++failures_;
        if (fatal_) throw junction::FatalError("the source broke down");
        throw junction::TransientError("the source stopped answering");
      }
      const std::int64_t id = next_ + 1;
      const auto r = out.records.add_record(junction::Operation::upsert, JN_TIME_UNKNOWN,
                                            "generated:" + std::to_string(id));
      out.records.set(r, 0, junction::Value::string(std::to_string(id)));
      out.records.set(r, 1, junction::Value::string("record " + std::to_string(id)));
      out.records.set(r, 2, junction::Value::int64(id * 7));
      ++next_;
      ++served_;
    }
    out.cursor = std::to_string(next_);
    out.end = next_ >= total_;
  }

 private:
  std::int64_t total_;
  std::int64_t fail_after_;
  int fail_times_;
  bool fatal_;
  std::uint32_t batch_size_;
  std::int64_t next_ = 0;
  std::int64_t served_ = 0;
  int failures_ = 0;
};

class LoggingSink : public junction::Sink {
 public:
  LoggingSink(const json &config, std::string log, std::vector<std::string> key_fields)
      : log_(std::move(log)),
        key_fields_(std::move(key_fields)),
        transient_rate_(config.value("transient_rate", 0.0)),
        batch_failure_rate_(config.value("batch_failure_rate", 0.0)),
        retry_after_ms_(config.value("retry_after_ms", 0)),
        fail_all_(config.value("fail_all", std::string())),
        slow_ms_(config.value("slow_ms", 0)),
        hold_until_(config.value("hold_commit_until", std::string())),
        fail_commit_(config.value("fail_commit", false)),
        random_(config.contains("seed") ? config["seed"].get<std::uint64_t>()
                                        : std::random_device{}()) {
    if (config.contains("reject_pattern")) {
      reject_ = std::regex(config["reject_pattern"].get<std::string>());
      has_reject_ = true;
    }
  }

  void write(const junction::BatchView &batch, junction::Outcomes &outcomes) override {
    if (slow_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(slow_ms_));
    if (fail_all_ == "fatal") throw junction::FatalError("the target refused the credentials");
    if (fail_all_ == "transient") throw junction::TransientError("the target is unreachable");
    std::uniform_real_distribution<double> chance(0.0, 1.0);
    if (batch_failure_rate_ > 0 && chance(random_) < batch_failure_rate_) {
      throw junction::TransientError("the target timed out");
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const auto record = batch.record(i);
      json object = json::object();
      for (std::size_t f = 0; f < batch.field_count(); ++f) {
        std::string text;
        junction::append_value_text(text, record.value(f));
        object[std::string(batch.field_name(f))] = text;
      }
      std::string key;
      for (const auto &k : key_fields_) {
        key += (key.empty() ? "" : "|") + object.value(k, std::string());
      }
      if (has_reject_ && std::regex_match(key, reject_)) {
        outcomes.rejected(i, "key " + key + " is refused by the target");
        continue;
      }
      if (transient_rate_ > 0 && chance(random_) < transient_rate_) {
        outcomes.transient(i, "the target is busy", retry_after_ms_);
        continue;
      }
      pending_ += json{{"key", key}, {"record", object}}.dump() + "\n";
      outcomes.written(i, junction::WriteAction::written);  // a log cannot tell
    }
  }

  // Durable on commit: appended and fsynced, like an idempotent upsert log.
  // Tests of concurrent runs: the first commit says it is held (a file named after the
  // awaited one, plus ".held") and waits, at most two minutes, for the awaited file.
  void hold() {
    if (hold_until_.empty()) return;
    const std::string awaited = hold_until_;
    hold_until_.clear();
    const int marker = ::open((awaited + ".held").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (marker >= 0) ::close(marker);
    for (int i = 0; i < 1200 && ::access(awaited.c_str(), F_OK) != 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  void commit() override {
    // What the sink was sent is lost with the refused commit: a host that recorded it as
    // delivered would never send it again.
    if (fail_commit_) {
      pending_.clear();
      throw junction::FatalError("the target refused to commit");
    }
    hold();
    if (pending_.empty() || log_.empty()) return;
    const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) throw junction::TransientError("cannot open " + log_);
    std::size_t done = 0;
    while (done < pending_.size()) {
      const ssize_t n = ::write(fd, pending_.data() + done, pending_.size() - done);
      if (n <= 0) {
        ::close(fd);
        throw junction::TransientError("cannot write " + log_);
      }
      done += static_cast<std::size_t>(n);
    }
    ::fsync(fd);
    ::close(fd);
    pending_.clear();
  }

 private:
  std::string log_;
  std::vector<std::string> key_fields_;
  double transient_rate_;
  double batch_failure_rate_;
  int retry_after_ms_;
  std::string fail_all_;
  int slow_ms_;
  std::string hold_until_;
  bool fail_commit_ = false;
  std::mt19937_64 random_;
  std::regex reject_;
  bool has_reject_ = false;
  std::string pending_;
};

class FaultyConnector : public junction::Connector {
 public:
  explicit FaultyConnector(const junction::ConnectorInit &init)
      : Connector(init), config_(json::parse(init.config)) {}

  std::unique_ptr<junction::Source> open_source(const junction::SourceRequest &request) override {
    return std::make_unique<GeneratedSource>(config_, request);
  }
  std::unique_ptr<junction::Sink> open_sink(const junction::SinkRequest &request) override {
    return std::make_unique<LoggingSink>(config_, resolve_path(config_.value("log", "")),
                                         request.key_fields);
  }

 private:
  json config_;
};

}  // namespace

JUNCTION_PLUGIN(FaultyConnector, JUNCTION_SOURCE_AND_SINK)
