#include "core/strings.h"
#include "core/thread_name.h"
#include "http/http.h"

#include <httplib.h>

#include <atomic>
#include <cctype>
#include <chrono>
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
  std::atomic<bool> listen_returned{false};
  int port = 0;
};

Server::Server() : impl_(std::make_unique<Impl>()) {}
Server::~Server() { Stop(); }

void Server::Get(const std::string& path, Handler handler) {
  Route("GET", path, [handler](const Request& r) { return handler(r.params); });
}

void Server::Route(const std::string& method, const std::string& pattern, RouteHandler handler) {
  auto adapter = [handler](const httplib::Request& req, httplib::Response& res) {
    Request r;
    for (const auto& [k, v] : req.params) r.params[k] = v;
    for (size_t i = 1; i < req.matches.size(); ++i) r.path_groups.push_back(httplib::detail::decode_url(req.matches[i], false));
    r.body = req.body;
    Response out = handler(r);
    res.status = out.status;
    res.set_content(out.body, out.content_type);
  };
  if (method == "GET") impl_->server.Get(pattern, adapter);
  else if (method == "POST") impl_->server.Post(pattern, adapter);
  else if (method == "PUT") impl_->server.Put(pattern, adapter);
  else impl_->server.Delete(pattern, adapter);
}

absl::Status Server::Start(const std::string& listen) {
  std::string host;
  int port = 0;
  if (!SplitAddress(listen, host, port)) return absl::InvalidArgumentError(StrCat("'", listen, "' is not host:port"));
  if (port == 0) port = impl_->server.bind_to_any_port(host);
  else if (!impl_->server.bind_to_port(host, port)) port = -1;
  if (port <= 0) return absl::FailedPreconditionError(StrCat("cannot listen on ", listen, " (in use?)"));
  impl_->port = port;
  impl_->thread = std::thread([this] {
    NameThisThread("cdc-http");
    impl_->server.listen_after_bind();
    impl_->listen_returned = true;
  });
  return absl::OkStatus();
}

int Server::port() const { return impl_->port; }

void Server::Stop() {
  if (!impl_->thread.joinable()) return;
  // httplib's stop() does nothing until the listening thread runs: a Stop()
  // right after Start() (a SIGTERM during start-up) left that thread in
  // accept() for ever, and the process with it. Wait for it to run first.
  while (!impl_->server.is_running() && !impl_->listen_returned) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->server.stop();
  impl_->thread.join();
}

absl::StatusOr<Response> Send(const Endpoint& endpoint, const std::string& method, const std::string& path,
                              const std::string& body, const std::string& content_type) {
  if (method != "GET" && method != "POST" && method != "PUT" && method != "DELETE") {
    return absl::InvalidArgumentError(StrCat("HTTP method ", method, " is not supported"));
  }
  // scheme://host[:port][/prefix]: httplib takes the first part, the prefix
  // goes before every path.
  const auto scheme_end = endpoint.url.find("://");
  if (scheme_end == std::string::npos || (endpoint.url.compare(0, scheme_end, "http") != 0 &&
                                          endpoint.url.compare(0, scheme_end, "https") != 0)) {
    return absl::InvalidArgumentError(StrCat("'", endpoint.url, "' is not an http:// or https:// URL"));
  }
  const auto path_start = endpoint.url.find('/', scheme_end + 3);
  const std::string origin = endpoint.url.substr(0, path_start);
  std::string prefix = path_start == std::string::npos ? "" : endpoint.url.substr(path_start);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  httplib::Client client(origin);
  client.set_connection_timeout(endpoint.connect_timeout_ms / 1000, (endpoint.connect_timeout_ms % 1000) * 1000);
  client.set_read_timeout(endpoint.timeout_ms / 1000, (endpoint.timeout_ms % 1000) * 1000);
  if (!endpoint.user_info.empty()) {
    const auto colon = endpoint.user_info.find(':');
    client.set_basic_auth(endpoint.user_info.substr(0, colon),
                          colon == std::string::npos ? "" : endpoint.user_info.substr(colon + 1));
  }
  const std::string target = prefix + path;
  httplib::Result res = method == "GET"    ? client.Get(target)
                        : method == "POST" ? client.Post(target, body, content_type)
                        : method == "PUT"  ? client.Put(target, body, content_type)
                                           : client.Delete(target);
  if (!res) {
    return absl::UnavailableError(StrCat(method, " ", origin, target, ": ", httplib::to_string(res.error())));
  }
  return Response{res->status, res->body, res->get_header_value("Content-Type")};
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

absl::StatusOr<std::string> Get(const std::string& address, const std::string& path, int timeout_ms) {
  std::string host;
  int port = 0;
  if (!SplitAddress(address, host, port)) return absl::InvalidArgumentError(StrCat("'", address, "' is not host:port"));
  // A local cdcpipe answers a connection at once: fail fast when none listens.
  auto res = Send(Endpoint{StrCat("http://", address), "", timeout_ms, /*connect_timeout_ms=*/300}, "GET", path);
  if (!res.ok()) return absl::UnavailableError(StrCat("no cdcpipe endpoint at ", address));
  if (res->status != 200) {
    return absl::InternalError(StrCat("GET ", path, " from ", address, ": HTTP ", res->status, ": ", res->body));
  }
  return std::move(res->body);
}

}  // namespace cdc::http
