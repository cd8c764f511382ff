#include "http/http.h"

#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include <gtest/gtest.h>

namespace cdc::http {
namespace {

// A stop right after the start (a SIGTERM during start-up) must end the
// server: httplib ignores a stop before its listening thread runs, which
// once left cdcpipe's process waiting for that thread for ever.
TEST(HttpServer, StopsRightAfterStarting) {
  // Detached, so that a hang fails this test instead of blocking the run.
  auto done = std::make_shared<std::promise<bool>>();
  std::future<bool> stopped = done->get_future();
  std::thread([done] {
    bool ok = true;
    for (int i = 0; i < 300 && ok; ++i) {
      Server server;
      server.Get("/x", [](const Params&) { return Response{200, "x", "text/plain"}; });
      ok = server.Start("127.0.0.1:0").ok();
      server.Stop();
    }
    done->set_value(ok);
  }).detach();
  ASSERT_EQ(stopped.wait_for(std::chrono::seconds(60)), std::future_status::ready)
      << "a Stop() right after Start() did not return";
  EXPECT_TRUE(stopped.get());
}

}  // namespace
}  // namespace cdc::http
