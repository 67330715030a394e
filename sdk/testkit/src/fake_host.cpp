#include "junction/testkit/fake_host.hpp"

#include <string_view>

namespace junction::testkit {
namespace {

FakeHostState &state_of(jn_host_context *ctx) {
  return *ctx->state;
}

void log_line(jn_host_context *ctx, jn_log_level level, jn_str message) {
  auto &state = state_of(ctx);
  const std::lock_guard lock(state.mutex);
  state.log.push_back({level, std::string(message.data, message.size)});
}

void set_error(jn_host_context *ctx, jn_str message) {
  auto &state = state_of(ctx);
  const std::lock_guard lock(state.mutex);
  state.last_error.assign(message.data, message.size);
  ++state.set_error_calls;
}

std::int32_t stopping(jn_host_context *ctx) {
  auto &state = state_of(ctx);
  const std::lock_guard lock(state.mutex);
  return state.stopping ? 1 : 0;
}

void set_retry_after(jn_host_context *ctx, std::int64_t milliseconds) {
  auto &state = state_of(ctx);
  const std::lock_guard lock(state.mutex);
  state.retry_after_ms = milliseconds;
}

jn_status spend_quota(jn_host_context *ctx, const jn_quota_request *request,
                      std::int64_t *wait_ms) {
  auto &state = state_of(ctx);
  const std::lock_guard lock(state.mutex);
  if (wait_ms != nullptr) *wait_ms = 0;
  if (request == nullptr || request->struct_size < sizeof(std::uint32_t) * 2) {
    return JN_FATAL;
  }
  state.quota_requests += request->requests;
  return JN_OK;
}

}  // namespace

FakeHost::FakeHost() {
  api_.struct_size = sizeof(jn_host_api);
  api_.abi_major = JN_ABI_MAJOR;
  api_.abi_minor = JN_ABI_MINOR;
  api_.log = &log_line;
  api_.set_error = &set_error;
  api_.stopping = &stopping;
  api_.set_retry_after = &set_retry_after;
  api_.spend_quota = &spend_quota;
}

std::string FakeHost::take_error() {
  const std::lock_guard lock(state_.mutex);
  std::string error = std::move(state_.last_error);
  state_.last_error.clear();
  return error;
}

std::vector<LogLine> FakeHost::log() const {
  const std::lock_guard lock(state_.mutex);
  return state_.log;
}

std::int64_t FakeHost::quota_requests() const {
  const std::lock_guard lock(state_.mutex);
  return state_.quota_requests;
}

void FakeHost::set_stopping(bool stopping_now) {
  const std::lock_guard lock(state_.mutex);
  state_.stopping = stopping_now;
}

}  // namespace junction::testkit
