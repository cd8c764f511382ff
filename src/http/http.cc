#include "core/strings.h"
#include "http/http.h"

#include <httplib.h>

#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace cdc::http {
namespace {

bool SplitAddress(const std::string& address, std::string& host, int& port) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) return false;
  host = address.substr(0, colon);
  return absl::SimpleAtoi(address.substr(colon + 1), &port);
}

}  // namespace

struct Server::Impl {
  httplib::Server server;
  std::thread thread;
};

Server::Server() : impl_(std::make_unique<Impl>()) {}
Server::~Server() { Stop(); }

void Server::Get(const std::string& path, Handler handler) {
  impl_->server.Get(path, [handler](const httplib::Request& req, httplib::Response& res) {
    Params params;
    for (const auto& [k, v] : req.params) params[k] = v;
    Response r = handler(params);
    res.status = r.status;
    res.set_content(r.body, r.content_type);
  });
}

absl::Status Server::Start(const std::string& listen) {
  std::string host;
  int port = 0;
  if (!SplitAddress(listen, host, port)) return absl::InvalidArgumentError(StrCat("http.listen: '", listen, "' is not host:port"));
  if (!impl_->server.bind_to_port(host, port)) {
    return absl::FailedPreconditionError(StrCat("http.listen: cannot bind ", listen, " (in use?)"));
  }
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  return absl::OkStatus();
}

void Server::Stop() {
  if (impl_->thread.joinable()) {
    impl_->server.stop();
    impl_->thread.join();
  }
}

absl::StatusOr<std::string> Get(const std::string& address, const std::string& path, int timeout_ms) {
  std::string host;
  int port = 0;
  if (!SplitAddress(address, host, port)) return absl::InvalidArgumentError(StrCat("'", address, "' is not host:port"));
  httplib::Client client(host, port);
  client.set_connection_timeout(0, 300000);
  client.set_read_timeout(timeout_ms / 1000, (timeout_ms % 1000) * 1000);
  auto res = client.Get(path);
  if (!res) return absl::UnavailableError(StrCat("no cdcpipe endpoint at ", address));
  if (res->status != 200) {
    return absl::InternalError(StrCat("GET ", path, " from ", address, ": HTTP ", res->status, ": ", res->body));
  }
  return res->body;
}

}  // namespace cdc::http
