#include "loki/client.h"

#include <doctest/doctest.h>
#include <snappy.h>

#include "httpclient/test_server.h"
#include "loki/push.pb.h"
#include "support/temp_tree.h"

using httpclient::testing::CannedServer;
using Replies = std::vector<CannedServer::Reply>;
using namespace std::chrono_literals;

namespace {

loki::ClientConfig fastConfig(const CannedServer& server) {
  loki::ClientConfig config;
  config.url = server.url();
  config.timeout = 1000ms;
  config.min_backoff = 1ms;
  config.max_backoff = 4ms;
  return config;
}

std::vector<loki::Stream> oneStream() { return {{R"({job="t"})", {{1000000001, "hello"}}}}; }

}  // namespace

TEST_CASE("dropReason: Loki's 400 messages map to Promtail-style reasons") {
  CHECK(loki::dropReason("entry too far behind, entry timestamp is: ...") == "entry_too_old");
  CHECK(loki::dropReason("entry for stream '{a=\"b\"}' has timestamp too old: 2020-01-01") ==
        "entry_too_old");
  CHECK(loki::dropReason("entry with timestamp 2024 ignored, reason: 'entry out of order'") ==
        "out_of_order");
  CHECK(loki::dropReason("Max entry size '256' bytes exceeded for stream '{a=\"b\"}'") ==
        "line_too_long");
  CHECK(loki::dropReason("line too long") == "line_too_long");
  CHECK(loki::dropReason("entry exceeds the per-stream line limit") == "line_too_long");
  CHECK(loki::dropReason("error parsing labels '{a=}' with error: ...") == "invalid_labels");
  CHECK(loki::dropReason("INVALID LABELS") == "invalid_labels");
  CHECK(loki::dropReason("stream '{a=\"b\"}' has label name too long: 'aaaa'") == "invalid_labels");
  CHECK(loki::dropReason("") == "bad_request");
  CHECK(loki::dropReason("something else") == "bad_request");
}

TEST_CASE("backoffDelay: exponential window, jittered, floored and capped") {
  using std::chrono::milliseconds;
  CHECK(loki::backoffDelay(1, 500ms, 300000ms, 0.0) == 500ms);
  CHECK(loki::backoffDelay(1, 500ms, 300000ms, 0.999999) == 999ms);
  CHECK(loki::backoffDelay(3, 500ms, 300000ms, 0.5) == 2250ms);  // [500, 4000]
  CHECK(loki::backoffDelay(40, 500ms, 300000ms, 1.0) == 300000ms);
  CHECK(loki::backoffDelay(1000000, 500ms, 300000ms, 0.0) == 500ms);  // no overflow
  for (int retry = 1; retry < 30; ++retry)
    for (double unit : {0.0, 0.3, 0.99}) {
      auto delay = loki::backoffDelay(retry, 500ms, 300000ms, unit);
      CHECK(delay >= 500ms);
      CHECK(delay <= 300000ms);
    }
}

TEST_CASE("Client: 500 then 429 are retried until 204; one connection, one encoding") {
  CannedServer server({{500, "internal error\n"}, {429, "Ingestion rate limit exceeded\n"}, {204}});
  auto config = fastConfig(server);
  config.tenant_id = "team-a";
  loki::Client client(config);
  std::atomic<bool> stop{false};
  std::vector<loki::Attempt> attempts;
  auto result =
      client.push(oneStream(), stop, [&](const loki::Attempt& a) { attempts.push_back(a); });

  CHECK(result.outcome == loki::PushOutcome::sent);
  CHECK(result.attempts == 3);
  CHECK(result.status_code == 204);
  REQUIRE(attempts.size() == 3);
  CHECK(attempts[0].status_code == 500);
  CHECK(attempts[0].error == "internal error");
  CHECK(attempts[0].will_retry);
  CHECK(attempts[1].status_code == 429);
  CHECK(attempts[1].will_retry);
  CHECK(attempts[2].status_code == 204);
  CHECK_FALSE(attempts[2].will_retry);
  CHECK(attempts[2].error.empty());
  CHECK(attempts[2].number == 3);

  auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  CHECK(server.accepted() == 1);  // keep-alive
  for (const auto& request : requests) {
    CHECK(request.method == "POST");
    CHECK(request.target == "/loki/api/v1/push");
    CHECK(request.header("content-type") == "application/x-protobuf");
    CHECK(request.header("x-scope-orgid") == "team-a");
    CHECK(request.header("authorization").empty());
    CHECK(request.header("user-agent") == "tern-shipper");
    CHECK(request.body == requests[0].body);
  }
  std::string raw;
  REQUIRE(snappy::Uncompress(requests[0].body.data(), requests[0].body.size(), &raw));
  logproto::PushRequest parsed;
  REQUIRE(parsed.ParseFromString(raw));
  REQUIRE(parsed.streams_size() == 1);
  CHECK(parsed.streams(0).entries(0).line() == "hello");
  CHECK(result.body_bytes == requests[0].body.size());
}

TEST_CASE("Client: a 400 is dropped with Loki's reason, never retried") {
  CannedServer server(
      {{400, "entry for stream '{job=\"t\"}' has timestamp too old: 1970-01-01T00:00:01Z\n"}});
  loki::Client client(fastConfig(server));
  std::atomic<bool> stop{false};
  int calls = 0;
  auto result = client.push(oneStream(), stop, [&](const loki::Attempt& a) {
    ++calls;
    CHECK(a.status_code == 400);
    CHECK_FALSE(a.will_retry);
    CHECK(a.error.find("too old") != std::string::npos);
  });
  CHECK(result.outcome == loki::PushOutcome::dropped);
  CHECK(result.reason == "entry_too_old");
  CHECK(calls == 1);
  CHECK(server.requests().size() == 1);
}

TEST_CASE("Client: other 4xx are dropped as http_<code>; no callback is fine") {
  CannedServer server({{401, "no org id\n"}});
  loki::Client client(fastConfig(server));
  std::atomic<bool> stop{false};
  auto result = client.push(oneStream(), stop, nullptr);
  CHECK(result.outcome == loki::PushOutcome::dropped);
  CHECK(result.reason == "http_401");
  CHECK(result.error == "no org id");
}

TEST_CASE("Client: max_retries counts attempts, then drops") {
  CannedServer server({{503, "unavailable"}});
  auto config = fastConfig(server);
  config.max_retries = 3;
  loki::Client client(config);
  std::atomic<bool> stop{false};
  std::vector<bool> will_retry;
  auto result = client.push(oneStream(), stop,
                            [&](const loki::Attempt& a) { will_retry.push_back(a.will_retry); });
  CHECK(result.outcome == loki::PushOutcome::dropped);
  CHECK(result.reason == "max_retries");
  CHECK(result.attempts == 3);
  CHECK(will_retry == std::vector<bool>{true, true, false});
}

TEST_CASE("Client: a server that never answers times out and is retried; stop ends it") {
  CannedServer server({{0, "", true}});
  auto config = fastConfig(server);
  config.timeout = 150ms;
  config.min_backoff = 10000ms;  // the stop flag, not the backoff, must end the wait
  config.max_backoff = 10000ms;
  loki::Client client(config);
  std::atomic<bool> stop{false};
  std::vector<loki::Attempt> attempts;
  auto started = std::chrono::steady_clock::now();
  std::thread stopper([&] {
    std::this_thread::sleep_for(300ms);
    stop = true;
  });
  auto result =
      client.push(oneStream(), stop, [&](const loki::Attempt& a) { attempts.push_back(a); });
  stopper.join();
  auto took = std::chrono::steady_clock::now() - started;
  CHECK(result.outcome == loki::PushOutcome::stopped);
  REQUIRE(attempts.size() == 1);
  CHECK(attempts[0].status_code == 0);
  CHECK(attempts[0].will_retry);
  CHECK(attempts[0].error.find("timed out") != std::string::npos);
  CHECK(attempts[0].duration >= 140ms);
  CHECK(took < 600ms);  // 300 ms + at most one 100 ms sleep slice, with slack
}

TEST_CASE("Client: connection refused is a network error, retried") {
  int port;
  {
    CannedServer closed(Replies{{.status = 204}});
    port = closed.port();
  }
  loki::ClientConfig config;
  config.url = "http://127.0.0.1:" + std::to_string(port) + "/loki/api/v1/push";
  config.min_backoff = 1ms;
  config.max_backoff = 2ms;
  config.max_retries = 2;
  loki::Client client(config);
  std::atomic<bool> stop{false};
  std::vector<loki::Attempt> attempts;
  auto result =
      client.push(oneStream(), stop, [&](const loki::Attempt& a) { attempts.push_back(a); });
  CHECK(result.outcome == loki::PushOutcome::dropped);
  CHECK(result.reason == "max_retries");
  REQUIRE(attempts.size() == 2);
  CHECK(attempts[0].status_code == 0);
  CHECK_FALSE(attempts[0].error.empty());
}

TEST_CASE("Client: stop already set sends nothing") {
  CannedServer server(Replies{{.status = 204}});
  loki::Client client(fastConfig(server));
  std::atomic<bool> stop{true};
  auto result = client.push(oneStream(), stop, nullptr);
  CHECK(result.outcome == loki::PushOutcome::stopped);
  CHECK(result.attempts == 0);
  CHECK(server.requests().empty());
}

TEST_CASE("Client: bearer token and basic auth come from files, trimmed") {
  testsupport::TempTree tree;
  tree.write("token", "s3cret-token\n");
  tree.write("password", "  pa55\n");
  CannedServer server(Replies{{.status = 204}});
  {
    auto config = fastConfig(server);
    config.bearer_token_file = tree.path("token");
    loki::Client client(config);
    std::atomic<bool> stop{false};
    CHECK(client.push(oneStream(), stop, nullptr).outcome == loki::PushOutcome::sent);
  }
  {
    auto config = fastConfig(server);
    config.basic_auth_username = "loki";
    config.basic_auth_password_file = tree.path("password");
    loki::Client client(config);
    std::atomic<bool> stop{false};
    CHECK(client.push(oneStream(), stop, nullptr).outcome == loki::PushOutcome::sent);
  }
  auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].header("authorization") == "Bearer s3cret-token");
  CHECK(requests[1].header("authorization") == "Basic bG9raTpwYTU1");  // loki:pa55
}

TEST_CASE("Client: an unreadable secret file is an error naming the file, not the secret") {
  CannedServer server(Replies{{.status = 204}});
  auto config = fastConfig(server);
  config.bearer_token_file = "/nonexistent/token";
  config.max_retries = 1;
  loki::Client client(config);
  std::atomic<bool> stop{false};
  auto result = client.push(oneStream(), stop, nullptr);
  CHECK(result.outcome == loki::PushOutcome::dropped);
  CHECK(result.error.find("/nonexistent/token") != std::string::npos);
  CHECK(server.requests().empty());
}
