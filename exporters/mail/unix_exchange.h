#pragma once
// One request/response exchange on a unix socket with a deadline (Dovecot's
// stats and anvil sockets, Postfix's showq): connect,
// write the request, read until the answer is complete (as told by a
// predicate), the peer closes, the size bound is hit, or time runs out. A stuck
// socket never hangs a scrape. Errors are values naming the socket.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "base/expected.h"

namespace mail {

struct SocketError {
  enum class Kind { unreachable, io, timeout, too_large };
  Kind kind;
  std::string message;
};

// `complete` tells whether the bytes read so far are a whole answer.
base::Expected<std::string, SocketError> unixExchange(
    const std::string& path, std::string_view request,
    const std::function<bool(std::string_view)>& complete, std::chrono::milliseconds timeout,
    std::size_t max_bytes = 16 * 1024 * 1024);

}  // namespace mail
