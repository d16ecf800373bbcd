#pragma once
// One request/response exchange on a stream socket with a deadline: connect
// (a unix socket path, or TCP host:port), write the request, read until the
// answer is complete (as told by a predicate), the peer closes, the size bound
// is hit, or time runs out. A stuck peer never hangs a scrape. Errors are
// values naming the endpoint.
//
// Used by tern-mail (Postfix's showq, Dovecot's stats and anvil sockets) and
// tern-haproxy (the runtime API, on a unix socket or TCP).

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "base/expected.h"

namespace sockio {

struct SocketError {
  enum class Kind { unreachable, io, timeout, too_large };
  Kind kind;
  std::string message;
};

struct Endpoint {
  enum class Kind { unix_socket, tcp };
  Kind kind = Kind::unix_socket;
  std::string path;  // unix_socket
  std::string host;  // tcp: a name or a numeric address (IPv6 without brackets)
  int port = 0;      // tcp
  // "unix:/run/x.sock" style name used in errors.
  std::string describe() const;
};

// `complete` tells whether the bytes read so far are a whole answer; nullptr
// reads until the peer closes.
using Completion = std::function<bool(std::string_view)>;

base::Expected<std::string, SocketError> exchange(const Endpoint& endpoint,
                                                  std::string_view request,
                                                  const Completion& complete,
                                                  std::chrono::milliseconds timeout,
                                                  std::size_t max_bytes = 16 * 1024 * 1024);

// The same exchange, with the answer handed to `consume` piece by piece as it
// arrives instead of being held whole (a 10,000-message showq listing is
// 2.5 MB); `consume` returns false once it has the whole answer (or gives
// up). Reads until then or until the peer closes. Returns the bytes read.
using Consumer = std::function<bool(std::string_view piece)>;
base::Expected<std::size_t, SocketError> exchangeStreaming(
    const Endpoint& endpoint, std::string_view request, const Consumer& consume,
    std::chrono::milliseconds timeout, std::size_t max_bytes = 16 * 1024 * 1024);

// Connects to the endpoint by the deadline; the connected descriptor
// (non-blocking, close-on-exec) is the caller's to close. For protocols
// that need more than one exchange (TLS).
base::Expected<int, SocketError> connectTo(const Endpoint& endpoint,
                                           std::chrono::steady_clock::time_point deadline);

// An owned file descriptor, closed when it goes.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset(int fd = -1);
  // Gives the descriptor up without closing it.
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

// Waits for poll `events` on fd until the deadline; false on timeout or error.
bool waitFor(int fd, short events, std::chrono::steady_clock::time_point deadline);

inline base::Expected<std::string, SocketError> unixExchange(
    const std::string& path, std::string_view request, const Completion& complete,
    std::chrono::milliseconds timeout, std::size_t max_bytes = 16 * 1024 * 1024) {
  return exchange(Endpoint{Endpoint::Kind::unix_socket, path, {}, 0}, request, complete, timeout,
                  max_bytes);
}

}  // namespace sockio
