#include "runtime/http_server.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace {

// One raw exchange with the server on 127.0.0.1: send, then read until the
// server closes or `wanted` answers arrived.
std::string sendRaw(int port, const std::string& request, int wanted = 1) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  timeval timeout{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string answer;
  char buf[65536];
  while (true) {
    std::size_t count = 0;
    for (std::size_t at = 0; (at = answer.find("HTTP/1.1 ", at)) != std::string::npos; ++at) ++count;
    if (static_cast<int>(count) >= wanted && answer.find("\r\n\r\n") != std::string::npos &&
        wanted > 1)
      break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    answer.append(buf, static_cast<std::size_t>(n));
    if (wanted == 1 && answer.find("\r\n\r\n") != std::string::npos &&
        answer.find("Connection: close") == std::string::npos)
      break;
  }
  ::close(fd);
  return answer;
}

}  // namespace

TEST_CASE("parseListenAddress") {
  CHECK(runtime::parseListenAddress(":9100")->host.empty());
  CHECK(runtime::parseListenAddress(":9100")->port == 9100);
  CHECK(runtime::parseListenAddress("127.0.0.1:0")->host == "127.0.0.1");
  CHECK(runtime::parseListenAddress("[::1]:9100")->host == "::1");
  CHECK(runtime::parseListenAddress("localhost:9100")->host == "localhost");
  CHECK_FALSE(runtime::parseListenAddress("9100"));
  CHECK_FALSE(runtime::parseListenAddress("::1:9100"));
  CHECK_FALSE(runtime::parseListenAddress("host:"));
  CHECK_FALSE(runtime::parseListenAddress("host:65536"));
  CHECK_FALSE(runtime::parseListenAddress("host:9x"));
  CHECK_FALSE(runtime::parseListenAddress("[::1:9100"));
}

TEST_CASE("parseRequestHead") {
  auto request = runtime::parseRequestHead(
      "GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\nAccept-Encoding:  gzip \r\n");
  REQUIRE(request);
  CHECK(request->method == "GET");
  CHECK(request->path == "/metrics");
  CHECK(request->header("accept-encoding") == "gzip");
  CHECK(request->header("ACCEPT-ENCODING") == "gzip");
  CHECK(request->header("missing").empty());
  CHECK_FALSE(runtime::parseRequestHead(""));
  CHECK_FALSE(runtime::parseRequestHead("GET\r\n"));
  CHECK_FALSE(runtime::parseRequestHead("GET metrics HTTP/1.1\r\n"));
  CHECK_FALSE(runtime::parseRequestHead("GET / SPDY/3\r\n"));
  CHECK_FALSE(runtime::parseRequestHead("GET / HTTP/1.1\r\nno colon here\r\n"));
}

TEST_CASE("the query string is kept apart from the path and decoded by parameter") {
  auto request = runtime::parseRequestHead(
      "GET /probe?target=unix%3A%2Frun%2Fa.sock&x=a+b&empty=&bare HTTP/1.1\r\n\r\n");
  REQUIRE(request);
  CHECK(request->path == "/probe");
  CHECK(request->query == "target=unix%3A%2Frun%2Fa.sock&x=a+b&empty=&bare");
  CHECK(request->queryParam("target") == std::optional<std::string>("unix:/run/a.sock"));
  CHECK(request->queryParam("x") == std::optional<std::string>("a b"));
  CHECK(request->queryParam("empty") == std::optional<std::string>(""));
  CHECK(request->queryParam("bare") == std::optional<std::string>(""));
  CHECK_FALSE(request->queryParam("missing"));
  auto plain = runtime::parseRequestHead("GET /metrics HTTP/1.1\r\n\r\n");
  REQUIRE(plain);
  CHECK(plain->query.empty());
  // A broken escape stays literal rather than failing the request.
  auto broken = runtime::parseRequestHead("GET /p?t=%zz%4 HTTP/1.1\r\n\r\n");
  REQUIRE(broken);
  CHECK(broken->queryParam("t") == std::optional<std::string>("%zz%4"));
}

TEST_CASE("the server answers routes, pipelining, bad heads and HTTP/1.0 on loopback") {
  runtime::HttpServer server;
  server.route("/ok", [](const runtime::HttpRequest&) {
    runtime::HttpResponse response;
    response.body = "fine\n";
    return response;
  });
  runtime::HttpServer::Options options;
  options.listen_addresses = {"127.0.0.1:0"};
  options.extra_headers = {{"X-Frame-Options", "deny"}};
  auto bound = server.start(options);
  REQUIRE(bound);
  int port = std::stoi(bound->front().substr(bound->front().rfind(':') + 1));

  std::string ok = sendRaw(port, "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(ok.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(ok.find("X-Frame-Options: deny\r\n") != std::string::npos);
  CHECK(ok.ends_with("\r\n\r\nfine\n"));

  std::string two = sendRaw(port, "GET /ok HTTP/1.1\r\n\r\nHEAD /ok HTTP/1.1\r\n\r\n", 2);
  CHECK(two.find("fine\nHTTP/1.1 200 OK") != std::string::npos);  // HEAD: no body after

  CHECK(sendRaw(port, "GET /nope HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404"));
  CHECK(sendRaw(port, "DELETE /ok HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405"));
  CHECK(sendRaw(port, "garbage\r\n\r\n").starts_with("HTTP/1.1 400"));
  CHECK(sendRaw(port, "GET /ok HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n")
            .starts_with("HTTP/1.1 431"));
  CHECK(sendRaw(port, "GET /ok HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
            .starts_with("HTTP/1.1 413"));
  std::string old = sendRaw(port, "GET /ok HTTP/1.0\r\n\r\n");
  CHECK(old.find("Connection: close\r\n") != std::string::npos);
  server.stop();
}

TEST_CASE("basic auth guards every route") {
  runtime::HttpServer server;
  server.route("/ok", [](const runtime::HttpRequest&) { return runtime::HttpResponse{}; });
  server.setAuthenticator([](const std::string& header) { return header == "Basic good"; });
  runtime::HttpServer::Options options;
  options.listen_addresses = {"127.0.0.1:0"};
  auto bound = server.start(options);
  REQUIRE(bound);
  int port = std::stoi(bound->front().substr(bound->front().rfind(':') + 1));
  std::string denied = sendRaw(port, "GET /ok HTTP/1.1\r\n\r\n");
  CHECK(denied.starts_with("HTTP/1.1 401"));
  CHECK(denied.find("WWW-Authenticate: Basic\r\n") != std::string::npos);
  CHECK(sendRaw(port, "GET /ok HTTP/1.1\r\nAuthorization: Basic good\r\n\r\n")
            .starts_with("HTTP/1.1 200"));
}

TEST_CASE("parseQuery decodes pairs") {
  auto pairs = runtime::parseQuery("status=firing&instance=web%3A9100&q=a+b&flag&&x=%zz");
  REQUIRE(pairs.size() == 5);
  CHECK(pairs[0] == std::pair<std::string, std::string>{"status", "firing"});
  CHECK(pairs[1].second == "web:9100");
  CHECK(pairs[2].second == "a b");
  CHECK(pairs[3] == std::pair<std::string, std::string>{"flag", ""});
  CHECK(pairs[4].second == "%zz");  // not an escape: kept as written
  CHECK(runtime::parseRequestHead("GET /a?b=c HTTP/1.1\r\n")->query == "b=c");
}

TEST_CASE("POST routes get their body, bounded; prefix routes; own-auth routes") {
  runtime::HttpServer server;
  runtime::HttpServer::RouteOptions post;
  post.methods = {"POST"};
  post.max_body_bytes = 16;
  post.oversize_status = 400;
  post.own_auth = true;
  server.route("/hook", [](const runtime::HttpRequest& request) {
    runtime::HttpResponse response;
    response.body = "got " + request.body;
    return response;
  }, post);
  runtime::HttpServer::RouteOptions prefix;
  prefix.prefix = true;
  server.route("/items/", [](const runtime::HttpRequest& request) {
    runtime::HttpResponse response;
    response.body = request.path.substr(7) + "|" + request.query;
    return response;
  }, prefix);
  server.setAuthenticator([](const std::string& header) { return header == "Basic good"; });
  runtime::HttpServer::Options options;
  options.listen_addresses = {"127.0.0.1:0"};
  auto bound = server.start(options);
  REQUIRE(bound);
  int port = std::stoi(bound->front().substr(bound->front().rfind(':') + 1));

  std::string ok = sendRaw(port, "POST /hook HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello");
  CHECK(ok.starts_with("HTTP/1.1 200"));
  CHECK(ok.ends_with("got hello"));
  // The oversized body is read and dropped, so the client gets the answer.
  std::string big = sendRaw(port, "POST /hook HTTP/1.1\r\nContent-Length: 17\r\n\r\n" + std::string(17, 'x'));
  CHECK(big.starts_with("HTTP/1.1 400"));
  CHECK(big.find("exceeds the limit of 16 bytes") != std::string::npos);
  CHECK(sendRaw(port, "GET /hook HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405"));
  CHECK(sendRaw(port, "POST /hook HTTP/1.1\r\nContent-Length: x\r\n\r\n").starts_with("HTTP/1.1 400"));
  CHECK(sendRaw(port, "POST /hook HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
            .starts_with("HTTP/1.1 411"));
  // Prefix routes still ask the server's authenticator.
  CHECK(sendRaw(port, "GET /items/abc HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 401"));
  std::string item = sendRaw(port, "GET /items/abc?x=1 HTTP/1.1\r\nAuthorization: Basic good\r\n\r\n");
  CHECK(item.ends_with("abc|x=1"));
}
