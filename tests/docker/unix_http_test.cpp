#include "docker/unix_http.h"

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "support/temp_tree.h"

namespace {

struct Fed {
  std::string body;
  bool ok = true;
  std::string error;
};

// Feeds the response in pieces of `step` bytes, as reads might deliver it.
Fed feedInPieces(docker::ResponseParser& parser, std::string_view response, std::size_t step) {
  Fed fed;
  for (std::size_t at = 0; at < response.size() && fed.ok; at += step) {
    auto result =
        parser.feed(response.substr(at, step), [&](std::string_view b) { fed.body.append(b); });
    if (!result) {
      fed.ok = false;
      fed.error = result.error();
    }
  }
  return fed;
}

}  // namespace

TEST_CASE("ResponseParser: a Content-Length body, whatever the read sizes") {
  std::string response =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
      "11\r\n\r\n{\"a\":\"bc\"}\n";
  for (std::size_t step : {1u, 3u, 7u, 1000u}) {
    docker::ResponseParser parser;
    auto fed = feedInPieces(parser, response, step);
    CHECK(fed.ok);
    CHECK(parser.complete());
    CHECK(parser.status() == 200);
    CHECK(fed.body == "{\"a\":\"bc\"}\n");
  }
}

TEST_CASE("ResponseParser: chunked bodies as Docker streams /events") {
  std::string response =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "6\r\n{\"a\":1\r\n3;ext=1\r\n}\n\n\r\n0\r\n\r\n";
  for (std::size_t step : {1u, 2u, 5u, 1000u}) {
    docker::ResponseParser parser;
    auto fed = feedInPieces(parser, response, step);
    CHECK(fed.ok);
    CHECK(parser.complete());
    CHECK(fed.body == "{\"a\":1}\n\n");
  }
}

TEST_CASE("ResponseParser: a body ended by the connection's close") {
  docker::ResponseParser parser;
  auto fed = feedInPieces(parser, "HTTP/1.0 404 Not Found\r\n\r\nno such container", 4);
  CHECK(fed.ok);
  CHECK_FALSE(parser.complete());
  CHECK(parser.finish());
  CHECK(parser.status() == 404);
  CHECK(fed.body == "no such container");
}

TEST_CASE("ResponseParser: malformed responses are errors, not crashes") {
  for (std::string bad : {"SSH-2.0-OpenSSH\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nContent-Length: nine\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
    docker::ResponseParser parser;
    CHECK_FALSE(feedInPieces(parser, bad, 1000).ok);
  }
  docker::ResponseParser truncated;
  CHECK(feedInPieces(truncated, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 1000).ok);
  CHECK_FALSE(truncated.finish());
  docker::ResponseParser endless(1024);
  CHECK_FALSE(feedInPieces(endless, "HTTP/1.1 200 OK\r\n" + std::string(2048, 'x'), 100).ok);
}

TEST_CASE("urlEncode escapes a filter's JSON") {
  CHECK(docker::urlEncode(R"({"type":["container"]})") ==
        "%7B%22type%22%3A%5B%22container%22%5D%7D");
}

namespace {

// A listening unix socket whose peer accepts and then does what `serve` says.
class OneShotServer {
 public:
  template <typename Serve>
  OneShotServer(const std::string& path, Serve serve) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    REQUIRE(::listen(fd_, 4) == 0);
    thread_ = std::thread([this, serve] {
      int peer = ::accept(fd_, nullptr, nullptr);
      if (peer >= 0) {
        serve(peer);
        ::close(peer);
      }
    });
  }
  ~OneShotServer() {
    thread_.join();
    ::close(fd_);
  }

 private:
  int fd_ = -1;
  std::thread thread_;
};

}  // namespace

TEST_CASE("UnixHttpClient: a daemon that accepts but never answers times out") {
  testsupport::TempTree tree;
  std::string path = tree.path("docker.sock");
  OneShotServer server(path,
                       [](int) { std::this_thread::sleep_for(std::chrono::milliseconds(600)); });
  docker::UnixHttpClient client(path, std::chrono::milliseconds(200));
  auto started = std::chrono::steady_clock::now();
  auto response = client.get("/version");
  CHECK_FALSE(response);
  CHECK(response.error().find("timed out") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(500));
}

TEST_CASE("UnixHttpClient: a GET on a real socket, and a missing socket") {
  testsupport::TempTree tree;
  std::string path = tree.path("docker.sock");
  OneShotServer server(path, [](int peer) {
    char request[1024];
    CHECK(::recv(peer, request, sizeof(request), 0) > 0);
    CHECK(std::string_view(request).starts_with("GET /_ping HTTP/1.1\r\n"));
    std::string_view answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK";
    CHECK(::send(peer, answer.data(), answer.size(), 0) == static_cast<ssize_t>(answer.size()));
  });
  docker::UnixHttpClient client(path, std::chrono::milliseconds(2000));
  auto response = client.get("/_ping");
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(response->body == "OK");
  auto missing = docker::UnixHttpClient(tree.path("absent.sock"), std::chrono::milliseconds(200))
                     .get("/_ping");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().find("No such file") != std::string::npos);
}
