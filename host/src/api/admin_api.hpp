// The admin HTTP API of the service (cpp-httplib): a thin face over the use cases in app/.
// Every route but /healthz and /readyz needs a bearer token from service.tokens; the
// token's name is the actor of every change made through it. Routes: docs/api.md and
// GET /openapi.json.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "app/service.hpp"

namespace httplib {
class Server;
}

namespace junction::api {

class AdminApi {
 public:
  explicit AdminApi(app::Service &service);
  ~AdminApi();
  AdminApi(const AdminApi &) = delete;
  AdminApi &operator=(const AdminApi &) = delete;

  // Binds to service.listen (TLS when service.tls is set) and serves on a thread of its own.
  // False with `why` when it cannot bind.
  bool start(const config::ServiceConfig &settings, std::string &why);
  int port() const { return port_; }
  void stop();

 private:
  void routes();
  app::Service &service_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  bool tls_ = false;
};

// The OpenAPI 3 document of the routes above.
const std::string &openapi_document();

}  // namespace junction::api
