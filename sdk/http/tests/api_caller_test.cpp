// The SDK's HTTP component against a real HTTP server on loopback (cpp-httplib, in this
// process): authentication schemes, methods with bodies, and the request policy.
#include "junction/http/api_caller.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <thread>

#include "junction/errors.hpp"

namespace junction::http {
namespace {

struct TestHost {
  std::atomic<int> quota_spent{0};
  std::atomic<bool> stop{false};
  std::vector<std::string> logs;

  static void log(jn_host_context *ctx, jn_log_level, jn_str message) {
    reinterpret_cast<TestHost *>(ctx)->logs.emplace_back(message.data, message.size);
  }
  static void set_error(jn_host_context *, jn_str) {}
  static int32_t stopping(jn_host_context *ctx) {
    return reinterpret_cast<TestHost *>(ctx)->stop ? 1 : 0;
  }
  static void set_retry_after(jn_host_context *, int64_t) {}
  static jn_status spend(jn_host_context *ctx, const jn_quota_request *, int64_t *) {
    ++reinterpret_cast<TestHost *>(ctx)->quota_spent;
    return JN_OK;
  }
  jn_host_api api{sizeof(jn_host_api), JN_ABI_MAJOR, JN_ABI_MINOR,     &log,
                  &set_error,          &stopping,    &set_retry_after, &spend};
  Host host() { return Host(&api, reinterpret_cast<jn_host_context *>(this)); }
};

class ApiCallerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  void TearDown() override {
    server_.stop();
    thread_.join();
  }
  HttpSettings settings(HttpAuth auth = {}) {
    HttpSettings s;
    s.base_url = "http://127.0.0.1:" + std::to_string(port_);
    s.auth = std::move(auth);
    s.timeout = std::chrono::seconds(10);
    return s;
  }
  ApiPolicy policy() {
    ApiPolicy p;
    p.service = "the test API";
    p.account = "test-account";
    p.max_rate_limit_wait = std::chrono::seconds(5);
    return p;
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  TestHost host_;
};

TEST_F(ApiCallerTest, SendsBasicAndBearerCredentialsAndEveryMethodWithItsBody) {
  std::vector<std::string> seen;
  const auto record = [&](const httplib::Request &req, httplib::Response &res) {
    seen.push_back(req.method + " " + req.path + " " + req.get_header_value("Authorization") + " " +
                   req.body);
    res.set_content("{}", "application/json");
  };
  server_.Get("/r", record);
  server_.Put("/r", record);
  server_.Patch("/r", record);
  server_.Delete("/r", record);
  server_.Post("/r", record);
  ApiCaller basic(settings({HttpAuth::Scheme::basic, "anystring", "key-us6"}), policy(),
                  host_.host());
  const std::string body = R"({"a":1})";
  EXPECT_EQ(basic.send("PUT", "/r", &body).status, 200);
  EXPECT_EQ(basic.send("PATCH", "/r", &body).status, 200);
  EXPECT_EQ(basic.send("DELETE", "/r").status, 200);
  ApiCaller bearer(settings({HttpAuth::Scheme::bearer, "", "tok-1"}), policy(), host_.host());
  EXPECT_EQ(bearer.send("GET", "/r").status, 200);
  EXPECT_EQ(bearer.send("POST", "/r", &body).status, 200);
  ASSERT_EQ(seen.size(), 5U);
  // base64("anystring:key-us6")
  EXPECT_EQ(seen[0], R"(PUT /r Basic YW55c3RyaW5nOmtleS11czY= {"a":1})");
  EXPECT_EQ(seen[1], R"(PATCH /r Basic YW55c3RyaW5nOmtleS11czY= {"a":1})");
  EXPECT_EQ(seen[2], "DELETE /r Basic YW55c3RyaW5nOmtleS11czY= ");
  EXPECT_EQ(seen[3], "GET /r Bearer tok-1 ");
  EXPECT_EQ(seen[4], R"(POST /r Bearer tok-1 {"a":1})");
  EXPECT_EQ(host_.quota_spent, 5) << "every request is asked of the host's governor";
}

TEST_F(ApiCallerTest, WaitsOutARateLimitAsAskedThenReturnsTheAnswer) {
  int calls = 0;
  server_.Get("/limited", [&](const httplib::Request &, httplib::Response &res) {
    if (++calls == 1) {
      res.status = 429;
      res.set_header("Retry-After", "1");
      return;
    }
    res.set_content("{}", "application/json");
  });
  ApiCaller caller(settings(), policy(), host_.host());
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(caller.send("GET", "/limited").status, 200);
  EXPECT_EQ(calls, 2);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1000));
  ASSERT_FALSE(host_.logs.empty());
  EXPECT_NE(host_.logs.back().find("waiting 1000 ms"), std::string::npos) << host_.logs.back();
}

TEST_F(ApiCallerTest, StatusesBecomeTheErrorsTheHostActsOn) {
  server_.Get("/401", [](const httplib::Request &, httplib::Response &res) { res.status = 401; });
  server_.Get("/403", [](const httplib::Request &, httplib::Response &res) { res.status = 403; });
  server_.Get("/503", [](const httplib::Request &, httplib::Response &res) {
    res.status = 503;
    res.set_header("Retry-After", "7");
  });
  server_.Get("/429", [](const httplib::Request &, httplib::Response &res) {
    res.status = 429;
    res.set_header("Retry-After", "60");
  });
  server_.Get("/400", [](const httplib::Request &, httplib::Response &res) { res.status = 400; });
  ApiCaller caller(settings(), policy(), host_.host());
  EXPECT_THROW(caller.send("GET", "/401"), FatalError);
  EXPECT_THROW(caller.send("GET", "/403"), FatalError);
  try {
    caller.send("GET", "/503");
    ADD_FAILURE() << "a 503 must throw";
  } catch (const TransientError &e) {
    EXPECT_EQ(e.retry_after_ms(), 7000);
  }
  try {
    caller.send("GET", "/429");  // asks for longer than the policy waits
    ADD_FAILURE() << "a long 429 must throw";
  } catch (const TransientError &e) {
    EXPECT_EQ(e.retry_after_ms(), 60000);
  }
  EXPECT_EQ(caller.send("GET", "/400").status, 400) << "a 400 concerns the caller's records";
  HttpSettings nowhere = settings();
  nowhere.base_url = "http://127.0.0.1:1";
  ApiCaller lost(nowhere, policy(), host_.host());
  EXPECT_THROW(lost.send("GET", "/x"), TransientError);
}

TEST_F(ApiCallerTest, StoppingEndsARateLimitWaitAtOnce) {
  server_.Get("/slow", [](const httplib::Request &, httplib::Response &res) {
    res.status = 429;
    res.set_header("Retry-After", "4");
  });
  ApiCaller caller(settings(), policy(), host_.host());
  std::thread stopper([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    host_.stop = true;
  });
  try {
    caller.send("GET", "/slow");
    ADD_FAILURE() << "a stopped wait must throw";
  } catch (const TransientError &e) {
    EXPECT_NE(std::string(e.what()).find("stopping while waiting"), std::string::npos) << e.what();
  }
  stopper.join();
}

}  // namespace
}  // namespace junction::http
