#include "sockio/exchange.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sockio {
namespace {

using Clock = std::chrono::steady_clock;

base::Unexpected<SocketError> fail(SocketError::Kind kind, const std::string& name,
                                   const std::string& what) {
  return base::unexpected(SocketError{kind, name + ": " + what});
}

// Milliseconds left before the deadline, at least 0.
int remainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Connects a non-blocking socket to `address`, waiting until the deadline.
// Returns 0 or an errno value (ETIMEDOUT when time ran out).
int connectBy(int fd, const sockaddr* address, socklen_t length, Clock::time_point deadline) {
  if (::connect(fd, address, length) == 0) return 0;
  if (errno != EINPROGRESS && errno != EAGAIN) return errno;
  // In progress (TCP), or a unix socket whose backlog is full.
  if (!waitFor(fd, POLLOUT, deadline)) return ETIMEDOUT;
  int err = 0;
  socklen_t len = sizeof(err);
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  return err;
}

base::Expected<int, SocketError> connectUnix(const std::string& name, const std::string& path,
                                             Clock::time_point deadline) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path))
    return fail(SocketError::Kind::unreachable, name, "socket path empty or too long");
  std::memcpy(addr.sun_path, path.data(), path.size());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return fail(SocketError::Kind::io, name, std::strerror(errno));
  int err = connectBy(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr), deadline);
  if (err != 0) {
    ::close(fd);
    if (err == ETIMEDOUT) return fail(SocketError::Kind::timeout, name, "connect timed out");
    return fail(SocketError::Kind::unreachable, name,
                std::string("connect: ") + std::strerror(err));
  }
  return fd;
}

base::Expected<int, SocketError> connectTcp(const std::string& name, const Endpoint& endpoint,
                                            Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(endpoint.port);
  int rc = ::getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0)
    return fail(SocketError::Kind::unreachable, name, std::string("resolve: ") + gai_strerror(rc));
  std::string last_error = "no address";
  bool timed_out = false;
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    int fd =
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    int err = connectBy(fd, ai->ai_addr, ai->ai_addrlen, deadline);
    if (err == 0) {
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      ::freeaddrinfo(found);
      return fd;
    }
    ::close(fd);
    timed_out = err == ETIMEDOUT;
    last_error = timed_out ? "connect timed out" : std::string("connect: ") + std::strerror(err);
    if (timed_out) break;
  }
  ::freeaddrinfo(found);
  return fail(timed_out ? SocketError::Kind::timeout : SocketError::Kind::unreachable, name,
              last_error);
}

base::Expected<bool, SocketError> sendAll(int fd, const std::string& name, std::string_view request,
                                          Clock::time_point deadline) {
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!waitFor(fd, POLLOUT, deadline))
        return fail(SocketError::Kind::timeout, name, "write timed out");
      continue;
    }
    return fail(SocketError::Kind::io, name, std::string("write: ") + std::strerror(errno));
  }
  return true;
}

}  // namespace

void Fd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

bool waitFor(int fd, short events, Clock::time_point deadline) {
  while (true) {
    int left = remainingMs(deadline);
    if (left == 0) return false;
    pollfd pfd{fd, events, 0};
    int ready = ::poll(&pfd, 1, left);
    if (ready > 0) return true;
    if (ready == 0) return false;
    if (errno != EINTR) return false;
  }
}

base::Expected<int, SocketError> connectTo(const Endpoint& endpoint, Clock::time_point deadline) {
  const std::string name = endpoint.describe();
  return endpoint.kind == Endpoint::Kind::unix_socket ? connectUnix(name, endpoint.path, deadline)
                                                      : connectTcp(name, endpoint, deadline);
}

std::string Endpoint::describe() const {
  if (kind == Kind::unix_socket) return path;
  if (host.find(':') != std::string::npos) return "tcp://[" + host + "]:" + std::to_string(port);
  return "tcp://" + host + ":" + std::to_string(port);
}

base::Expected<std::string, SocketError> exchange(const Endpoint& endpoint,
                                                  std::string_view request,
                                                  const Completion& complete,
                                                  std::chrono::milliseconds timeout,
                                                  std::size_t max_bytes) {
  std::string reply;
  auto read = exchangeStreaming(
      endpoint, request,
      [&](std::string_view piece) {
        reply.append(piece);
        return !(complete && complete(reply));
      },
      timeout, max_bytes);
  if (!read) return base::unexpected(read.error());
  return reply;
}

base::Expected<std::size_t, SocketError> exchangeStreaming(const Endpoint& endpoint,
                                                           std::string_view request,
                                                           const Consumer& consume,
                                                           std::chrono::milliseconds timeout,
                                                           std::size_t max_bytes) {
  const auto deadline = Clock::now() + timeout;
  const std::string name = endpoint.describe();
  auto connected = connectTo(endpoint, deadline);
  if (!connected) return base::unexpected(connected.error());
  Fd fd(*connected);
  if (auto sent = sendAll(fd.get(), name, request, deadline); !sent)
    return base::unexpected(sent.error());

  // One fixed buffer, drained as much as the socket holds before polling again.
  std::string buffer(64 * 1024, '\0');
  std::size_t total = 0;
  for (;;) {
    ssize_t n = ::recv(fd.get(), buffer.data(), buffer.size(), 0);
    if (n > 0) {
      total += static_cast<std::size_t>(n);
      if (total > max_bytes)
        return fail(SocketError::Kind::too_large, name,
                    "answer larger than " + std::to_string(max_bytes) + " bytes");
      if (!consume(std::string_view(buffer.data(), static_cast<std::size_t>(n)))) break;
      continue;
    }
    if (n == 0) break;  // closed: the consumer says whether it had everything
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      return fail(SocketError::Kind::io, name, std::string("read: ") + std::strerror(errno));
    if (!waitFor(fd.get(), POLLIN, deadline))
      return fail(SocketError::Kind::timeout, name, "no complete answer within the timeout");
  }
  return total;
}

}  // namespace sockio
