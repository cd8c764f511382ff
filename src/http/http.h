#pragma once
// A small local HTTP endpoint (status, metrics, verify queries) and client,
// over cpp-httplib. Handlers run on the server's own threads.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace cdc::http {

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

using Params = std::map<std::string, std::string>;
using Handler = std::function<Response(const Params&)>;

/// A request to a Route: its query parameters, the path's regex groups
/// (decoded), and its body.
struct Request {
  Params params;
  std::vector<std::string> path_groups;
  std::string body;
};
using RouteHandler = std::function<Response(const Request&)>;

class Server {
 public:
  Server();
  ~Server();
  void Get(const std::string& path, Handler handler);
  /// `method` (GET, POST, PUT; anything else is DELETE) on paths matching
  /// the regex `pattern`.
  void Route(const std::string& method, const std::string& pattern, RouteHandler handler);
  /// Binds `listen` (host:port; port 0 picks a free one) and serves on a
  /// background thread.
  absl::Status Start(const std::string& listen);
  void Stop();
  /// The port bound by Start.
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Where a client sends its requests: a base URL (http or https, with an
/// optional path prefix) and optional basic-auth credentials ("user:pass").
struct Endpoint {
  std::string url;
  std::string user_info;
  int timeout_ms = 30000;          // reading a response
  int connect_timeout_ms = 3000;
};

/// One request; any HTTP status is a result. Unavailable when the server
/// cannot be reached, InvalidArgument for a URL that is not http(s).
absl::StatusOr<Response> Send(const Endpoint& endpoint, const std::string& method, const std::string& path,
                              const std::string& body = {}, const std::string& content_type = {});

/// `s` percent-encoded for a path segment or a query value (RFC 3986
/// unreserved characters kept).
std::string UrlEncode(std::string_view s);

/// GET http://<address><path>; Unavailable when nothing listens there.
absl::StatusOr<std::string> Get(const std::string& address, const std::string& path, int timeout_ms = 30000);

}  // namespace cdc::http
