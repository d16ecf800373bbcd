#pragma once
// A tiny HTTP/1.1 server on 127.0.0.1 for tests: it answers requests with
// canned replies in order (the last one repeats) and records what it got.
// Keep-alive is honoured, so tests can check that a client reuses its
// connection. Header-only: used only by test binaries.

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace httpclient::testing {

class CannedServer {
 public:
  struct Reply {
    int status = 204;
    std::string body;
    bool never_answer = false;  // read the request, then stay silent
  };
  struct Request {
    std::string method, target, body;
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
    std::string header(std::string_view name) const {
      for (const auto& [key, value] : headers)
        if (key == name) return value;
      return {};
    }
  };

  explicit CannedServer(std::vector<Reply> replies) : replies_(std::move(replies)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(listen_fd_, 8) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
      throw std::runtime_error("CannedServer: cannot listen on 127.0.0.1");
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~CannedServer() {
    stop_ = true;
    thread_.join();
    for (auto& connection : connections_) ::close(connection.fd);
    ::close(listen_fd_);
  }

  int port() const { return port_; }
  std::string url(std::string_view path = "/loki/api/v1/push") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  std::vector<Request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  int accepted() const { return accepted_; }

 private:
  struct Connection {
    int fd;
    std::string pending;
  };

  void run() {
    while (!stop_) {
      std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
      for (auto& connection : connections_) fds.push_back({connection.fd, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), 10) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) {
          connections_.push_back({fd, {}});
          ++accepted_;
        }
      }
      for (std::size_t i = 1; i < fds.size(); ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        Connection& connection = connections_[i - 1];
        char buffer[65536];
        ssize_t n = ::recv(connection.fd, buffer, sizeof(buffer), 0);
        if (n <= 0) {
          ::close(connection.fd);
          connection.fd = -1;
          continue;
        }
        connection.pending.append(buffer, static_cast<std::size_t>(n));
        while (serveOne(connection)) {
        }
      }
      std::erase_if(connections_, [](const Connection& c) { return c.fd < 0; });
    }
  }

  // Answers one complete request from `pending`; false if none is complete yet.
  bool serveOne(Connection& connection) {
    std::string& pending = connection.pending;
    auto head_end = pending.find("\r\n\r\n");
    if (head_end == std::string::npos) return false;
    Request request;
    std::size_t line_end = pending.find("\r\n");
    std::string first = pending.substr(0, line_end);
    auto space = first.find(' ');
    request.method = first.substr(0, space);
    request.target = first.substr(space + 1, first.find(' ', space + 1) - space - 1);
    std::size_t content_length = 0;
    for (std::size_t at = line_end + 2; at < head_end;) {
      std::size_t end = pending.find("\r\n", at);
      std::string line = pending.substr(at, end - at);
      at = end + 2;
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      std::string value = line.substr(line.find_first_not_of(' ', colon + 1));
      if (name == "content-length") content_length = std::stoul(value);
      request.headers.emplace_back(std::move(name), std::move(value));
    }
    if (pending.size() < head_end + 4 + content_length) return false;
    request.body = pending.substr(head_end + 4, content_length);
    pending.erase(0, head_end + 4 + content_length);
    std::size_t index;
    {
      std::lock_guard lock(mutex_);
      index = requests_.size();
      requests_.push_back(std::move(request));
    }
    const Reply& reply = replies_[std::min(index, replies_.size() - 1)];
    if (reply.never_answer) return false;
    std::string response = "HTTP/1.1 " + std::to_string(reply.status) + " Canned\r\n" +
                           "Content-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n" +
                           reply.body;
    ::send(connection.fd, response.data(), response.size(), MSG_NOSIGNAL);
    return true;
  }

  std::vector<Reply> replies_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::vector<Connection> connections_;
  mutable std::mutex mutex_;
  std::vector<Request> requests_;
  std::thread thread_;
};

}  // namespace httpclient::testing
