// libs/http1: URLs and Location resolution, the incremental response parser
// (split anywhere, chunked, HEAD/204, bounded bodies), base64, and whole
// requests against a canned server on 127.0.0.1.

#include <doctest/doctest.h>

#include "http1/client.h"
#include "http1/response.h"
#include "http1/url.h"
#include "httpclient/test_server.h"

TEST_CASE("http1 URLs: parts, defaults, credentials, errors") {
  auto plain = http1::parseUrl("http://127.0.0.1:8404/stats;csv");
  REQUIRE(plain);
  CHECK_FALSE(plain->tls);
  CHECK(plain->host == "127.0.0.1");
  CHECK(plain->port == 8404);
  CHECK(plain->target == "/stats;csv");
  CHECK(plain->authority() == "127.0.0.1:8404");
  auto secure = http1::parseUrl("https://user:p%40ss@lb.example.com/haproxy?stats;csv#top");
  REQUIRE(secure);
  CHECK(secure->tls);
  CHECK(secure->port == 443);
  CHECK(secure->username == "user");
  CHECK(secure->password == "p@ss");
  CHECK(secure->target == "/haproxy?stats;csv");
  CHECK(secure->authority() == "lb.example.com");
  CHECK(secure->describe() == "https://lb.example.com/haproxy?stats;csv");
  auto v6 = http1::parseUrl("http://[::1]:8404/");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->authority() == "[::1]:8404");
  CHECK(http1::parseUrl("http://example.com")->target == "/");
  CHECK(http1::parseUrl("http://example.com?q=1")->target == "/?q=1");
  CHECK_FALSE(http1::parseUrl("http://:80/"));
  CHECK_FALSE(http1::parseUrl("http://host:99999/"));
  CHECK_FALSE(http1::parseUrl("ftp://host/"));
  CHECK_FALSE(http1::parseUrl("http://[::1/"));
  CHECK(http1::redactPassword("http://u:hunter2@h:0/p@x") == "http://u:xxxxx@h:0/p@x");
  CHECK(http1::redactPassword("http://u@h/") == "http://u@h/");
  CHECK(http1::redactPassword("http://h/a:b@c") == "http://h/a:b@c");
}

TEST_CASE("http1 Location headers resolve against the URL they came from") {
  auto base = *http1::parseUrl("https://user:pw@www.example.com/a/b/page?x=1");
  CHECK(http1::resolveLocation(base, "http://other.example.com/z")->describe() ==
        "http://other.example.com/z");
  CHECK(http1::resolveLocation(base, "//cdn.example.com/s")->describe() ==
        "https://cdn.example.com/s");
  auto absolute = http1::resolveLocation(base, "/login");
  CHECK(absolute->describe() == "https://www.example.com/login");
  CHECK(absolute->username == "user");
  CHECK(http1::resolveLocation(base, "next")->target == "/a/b/next");
  CHECK(http1::resolveLocation(base, "./next")->target == "/a/b/next");
  CHECK(http1::resolveLocation(base, "../up")->target == "/a/up");
  CHECK(http1::resolveLocation(base, "?y=2")->target == "/a/b/page?y=2");
  CHECK(http1::resolveLocation(base, "/p#frag")->target == "/p");
}

TEST_CASE("http1 responses: lengths, chunks, close-delimited, errors") {
  auto answer = http1::parseResponse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA");
  REQUIRE(answer);
  CHECK(answer->status == 200);
  CHECK(answer->version == "HTTP/1.1");
  CHECK(answer->body == "hello");
  CHECK(answer->header("content-length") == "5");
  CHECK_FALSE(answer->header("Location"));
  auto chunked = http1::parseResponse(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n# "
      "px\r\n3;x=y\r\nabc\r\n0\r\nTrailer: t\r\n\r\n");
  REQUIRE(chunked);
  CHECK(chunked->body == "# pxabc");
  auto closed = http1::parseResponse("HTTP/1.0 401 Unauthorized\r\nX: y\r\n\r\nno");
  REQUIRE(closed);
  CHECK(closed->status == 401);
  CHECK(closed->version == "HTTP/1.0");
  CHECK(closed->body == "no");
  CHECK_FALSE(http1::parseResponse("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort"));
  CHECK_FALSE(http1::parseResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"));
  CHECK_FALSE(http1::parseResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"));
  CHECK_FALSE(http1::parseResponse("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"));
  auto after_hints = http1::parseResponse(
      "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  REQUIRE(after_hints);
  CHECK(after_hints->status == 200);
  CHECK(after_hints->body == "ok");
  CHECK_FALSE(after_hints->header("Link"));
  CHECK_FALSE(http1::parseResponse("garbage"));
  CHECK_FALSE(http1::parseResponse(""));
  CHECK_FALSE(http1::parseResponse("SSH-2.0-OpenSSH\r\n\r\n"));
}

TEST_CASE("http1 responses fed a byte at a time are the same, and know when they end") {
  const std::string raw =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nLast-Modified: x\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  http1::ResponseParser parser;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    CHECK_FALSE(parser.complete());
    auto fed = parser.feed(std::string_view(raw).substr(i, 1));
    REQUIRE(fed);
  }
  CHECK(parser.complete());
  auto response = parser.finish();
  REQUIRE(response);
  CHECK(response->body == "hello world");
  CHECK(response->header("last-modified") == "x");

  // HEAD and 204 end with the head, whatever Content-Length says.
  http1::ResponseParser head(true);
  CHECK(*head.feed("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"));
  http1::ResponseParser no_content;
  CHECK(*no_content.feed("HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n"));
}

TEST_CASE("http1 bodies beyond the bound are counted and dropped") {
  http1::ResponseParser parser(false, 4);
  REQUIRE(parser.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789"));
  auto response = parser.finish();
  REQUIRE(response);
  CHECK(response->body == "0123");
  CHECK(response->body_bytes == 10);
  CHECK(response->body_truncated);
  http1::ResponseParser huge_head;
  CHECK_FALSE(huge_head.feed("HTTP/1.1 200 OK\r\nX: " + std::string(70000, 'a')));
}

TEST_CASE("http1 base64 and basic auth") {
  CHECK(http1::encodeBase64("") == "");
  CHECK(http1::encodeBase64("a") == "YQ==");
  CHECK(http1::encodeBase64("ab") == "YWI=");
  CHECK(http1::encodeBase64("abc") == "YWJj");
  CHECK(http1::basicAuthorization("stats", "s3cret") == "Basic c3RhdHM6czNjcmV0");
}

TEST_CASE("http1 requests against a server on 127.0.0.1") {
  using httpclient::testing::CannedServer;
  CannedServer server({{200, "first"}, {500, "oops"}});
  auto url = http1::parseUrl("http://u:p@127.0.0.1:" + std::to_string(server.port()) + "/x?y=1");
  REQUIRE(url);
  http1::Request request;
  request.url = *url;
  request.method = "POST";
  request.body = "payload";
  request.headers = {{"X-Extra", "1"}, {"User-Agent", "custom"}};
  http1::Options options;
  options.timeout = std::chrono::milliseconds(3000);
  auto got = http1::perform(request, options);
  REQUIRE(got);
  CHECK(got->response.status == 200);
  CHECK(got->response.body == "first");
  CHECK(got->timings.connect >= 0);
  CHECK(got->timings.processing > 0);
  auto seen = server.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].target == "/x?y=1");
  CHECK(seen[0].body == "payload");
  CHECK(seen[0].header("host") == "127.0.0.1:" + std::to_string(server.port()));
  CHECK(seen[0].header("user-agent") == "custom");
  CHECK(seen[0].header("x-extra") == "1");
  CHECK(seen[0].header("authorization") == "Basic dTpw");
  CHECK(seen[0].header("connection") == "close");

  request.method = "GET";
  request.body.clear();
  auto error_status = http1::perform(request, options);
  REQUIRE(error_status);
  CHECK(error_status->response.status == 500);

  // Nothing listening: an error naming the URL without its credentials.
  auto refused_url = *http1::parseUrl("http://u:secret@127.0.0.1:1/");
  request.url = refused_url;
  auto refused = http1::perform(request, options);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("127.0.0.1:1") != std::string::npos);
  CHECK(refused.error().message.find("secret") == std::string::npos);
}

TEST_CASE("http1 a silent server is a timeout, not a hang") {
  using httpclient::testing::CannedServer;
  CannedServer server({{200, "", true}});
  http1::Request request;
  request.url = *http1::parseUrl("http://127.0.0.1:" + std::to_string(server.port()) + "/");
  http1::Options options;
  options.timeout = std::chrono::milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  auto got = http1::perform(request, options);
  REQUIRE_FALSE(got);
  CHECK(got.error().timed_out);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}
