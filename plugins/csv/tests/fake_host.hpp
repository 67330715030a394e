// A host for exercising connector code directly: collects logs and errors.
#pragma once

#include <string>
#include <vector>

#include <junction/connector.hpp>

namespace junction::csv::testing {

struct FakeHost {
  std::vector<std::string> logs;
  std::string last_error;

  Host host() {
    static const jn_host_api api{
        sizeof(jn_host_api), JN_ABI_MAJOR, JN_ABI_MINOR,
        [](jn_host_context *ctx, jn_log_level, jn_str message) {
          reinterpret_cast<FakeHost *>(ctx)->logs.emplace_back(message.data, message.size);
        },
        [](jn_host_context *ctx, jn_str message) {
          reinterpret_cast<FakeHost *>(ctx)->last_error.assign(message.data, message.size);
        },
        nullptr, nullptr, nullptr};
    return Host(&api, reinterpret_cast<jn_host_context *>(this));
  }
};

}  // namespace junction::csv::testing
