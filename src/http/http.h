#pragma once
// A small local HTTP endpoint (status, metrics, verify queries) and client,
// over cpp-httplib. Handlers run on the server's own threads.
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/status.h"

namespace cdc::http {

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

using Params = std::map<std::string, std::string>;
using Handler = std::function<Response(const Params&)>;

class Server {
 public:
  Server();
  ~Server();
  void Get(const std::string& path, Handler handler);
  /// Binds `listen` (host:port) and serves on a background thread.
  absl::Status Start(const std::string& listen);
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// GET http://<address><path>; Unavailable when nothing listens there.
absl::StatusOr<std::string> Get(const std::string& address, const std::string& path, int timeout_ms = 30000);

}  // namespace cdc::http
