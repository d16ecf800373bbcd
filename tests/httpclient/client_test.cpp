#include "httpclient/client.h"

#include <doctest/doctest.h>

#include "hostfs/read.h"
#include "httpclient/test_server.h"
#include "support/temp_tree.h"

using httpclient::testing::CannedServer;
using namespace std::chrono_literals;

TEST_CASE("httpclient: GET and POST on one kept-alive connection, any status is a response") {
  CannedServer server({{200, "hello"}, {404, "missing"}, {201, ""}});
  httpclient::Options options;
  options.user_agent = "tern-test";
  httpclient::Client client(options);

  auto first = client.get(server.url("/a"), {{"X-Custom", "1"}});
  REQUIRE(first);
  CHECK(first->status == 200);
  CHECK(first->body == "hello");
  CHECK_FALSE(first->body_truncated);
  CHECK(first->duration > 0ns);
  auto second = client.get(server.url("/b"));
  REQUIRE(second);
  CHECK(second->status == 404);
  CHECK(second->body == "missing");
  std::string payload(100000, 'p');  // large enough that curl would otherwise send Expect
  auto third = client.post(server.url("/c"), payload, {{"Content-Type", "text/plain"}});
  REQUIRE(third);
  CHECK(third->status == 201);

  auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  CHECK(server.accepted() == 1);
  CHECK(requests[0].method == "GET");
  CHECK(requests[0].target == "/a");
  CHECK(requests[0].header("x-custom") == "1");
  CHECK(requests[0].header("user-agent") == "tern-test");
  CHECK(requests[1].header("x-custom").empty());  // headers do not leak between requests
  CHECK(requests[2].method == "POST");
  CHECK(requests[2].body == payload);
  CHECK(requests[2].header("expect").empty());
  CHECK(requests[2].header("content-type") == "text/plain");
}

TEST_CASE("httpclient: a long body is cut at max_body_bytes and the connection stays usable") {
  CannedServer server({{500, std::string(5000, 'e')}, {200, "ok"}});
  httpclient::Options options;
  options.max_body_bytes = 100;
  httpclient::Client client(options);
  auto cut = client.get(server.url("/"));
  REQUIRE(cut);
  CHECK(cut->status == 500);
  CHECK(cut->body == std::string(100, 'e'));
  CHECK(cut->body_truncated);
  auto next = client.get(server.url("/"));
  REQUIRE(next);
  CHECK(next->body == "ok");
  CHECK_FALSE(next->body_truncated);
  CHECK(server.accepted() == 1);
}

TEST_CASE("httpclient: the timeout covers the whole request") {
  CannedServer server({{0, "", true}});
  httpclient::Options options;
  options.timeout = 100ms;
  httpclient::Client client(options);
  auto response = client.post(server.url("/"), "x");
  REQUIRE_FALSE(response);
  CHECK(response.error().timed_out);
  CHECK(response.error().duration >= 90ms);
  CHECK(response.error().duration < 1000ms);
}

TEST_CASE("httpclient: server_name applies to https only; plain http is untouched") {
  CannedServer server({{200, "plain"}});
  httpclient::Options options;
  options.tls.server_name = "loki.example";
  httpclient::Client client(options);
  auto response = client.get(server.url("/"));
  REQUIRE(response);
  CHECK(response->body == "plain");
  CHECK(server.requests()[0].header("host") == "127.0.0.1:" + std::to_string(server.port()));
}

TEST_CASE("readSecretFile trims whitespace; a missing file names the path") {
  testsupport::TempTree tree;
  tree.write("secret", "\n  value with inner space \t\n");
  auto value = hostfs::readSecretFile(tree.path("secret"));
  REQUIRE(value);
  CHECK(*value == "value with inner space");
  auto missing = hostfs::readSecretFile(tree.path("absent"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().find(tree.path("absent")) != std::string::npos);
  CHECK(missing.error().find("No such file") != std::string::npos);
}
