#include "mail/unix_exchange.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mail {
namespace {

using Clock = std::chrono::steady_clock;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

base::Unexpected<SocketError> fail(SocketError::Kind kind, const std::string& path,
                                   const std::string& what) {
  return base::unexpected(SocketError{kind, path + ": " + what});
}

// Milliseconds left before the deadline, at least 0.
int remainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Waits for `events` on fd; false on timeout or error.
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

}  // namespace

base::Expected<std::string, SocketError> unixExchange(
    const std::string& path, std::string_view request,
    const std::function<bool(std::string_view)>& complete, std::chrono::milliseconds timeout,
    std::size_t max_bytes) {
  const auto deadline = Clock::now() + timeout;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path))
    return fail(SocketError::Kind::unreachable, path, "socket path too long");
  std::memcpy(addr.sun_path, path.data(), path.size());

  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) return fail(SocketError::Kind::io, path, std::strerror(errno));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno != EINPROGRESS && errno != EAGAIN)
      return fail(SocketError::Kind::unreachable, path,
                  std::string("connect: ") + std::strerror(errno));
    // A unix socket whose backlog is full: wait for it to accept.
    if (!waitFor(fd.get(), POLLOUT, deadline))
      return fail(SocketError::Kind::timeout, path, "connect timed out");
    int err = 0;
    socklen_t len = sizeof(err);
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0)
      return fail(SocketError::Kind::unreachable, path,
                  std::string("connect: ") + std::strerror(err));
  }

  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!waitFor(fd.get(), POLLOUT, deadline))
        return fail(SocketError::Kind::timeout, path, "write timed out");
      continue;
    }
    return fail(SocketError::Kind::io, path, std::string("write: ") + std::strerror(errno));
  }

  std::string reply;
  char buffer[16384];
  while (!complete(reply)) {
    if (!waitFor(fd.get(), POLLIN, deadline))
      return fail(SocketError::Kind::timeout, path, "no complete answer within the timeout");
    ssize_t n = ::recv(fd.get(), buffer, sizeof(buffer), 0);
    if (n > 0) {
      reply.append(buffer, static_cast<size_t>(n));
      if (reply.size() > max_bytes)
        return fail(SocketError::Kind::too_large, path,
                    "answer larger than " + std::to_string(max_bytes) + " bytes");
      continue;
    }
    if (n == 0) break;  // closed: the caller's parser says whether it is whole
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
    return fail(SocketError::Kind::io, path, std::string("read: ") + std::strerror(errno));
  }
  return reply;
}

}  // namespace mail
