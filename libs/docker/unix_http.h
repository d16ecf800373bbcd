#pragma once
// A small HTTP/1.1 client for the Docker Engine API on its unix socket.
//
// Why not libcurl: Debian's libcurl is only usable as a shared library (its
// static archive needs libldap and libkrb5 archives Debian does not ship), and
// loading it maps 36 libraries: 8.4 MB resident before the first request,
// 10.6 MB after curl_global_init (measured on bookworm). The container
// exporter's whole budget is 12 MB. The Docker API over a local socket needs
// only GET, Content-Length and chunked bodies, which is what this does.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "base/expected.h"

namespace docker {

// Incremental parser of one HTTP/1.1 response: the head, then a body framed
// by Content-Length, chunked encoding, or the end of the connection. Pure: it
// is fed bytes and hands out body bytes, so tests drive it without sockets.
class ResponseParser {
 public:
  explicit ResponseParser(std::size_t max_head_bytes = 64 * 1024)
      : max_head_bytes_(max_head_bytes) {}

  // Feeds received bytes; decoded body bytes go to on_body. Returns an error
  // message for a malformed response.
  using BodySink = std::function<void(std::string_view)>;
  base::Expected<bool, std::string> feed(std::string_view data, const BodySink& on_body);
  // The peer closed the connection: fine for a close-delimited body, an error
  // anywhere else.
  base::Expected<bool, std::string> finish();

  bool headDone() const { return state_ != State::head; }
  bool complete() const { return state_ == State::done; }
  int status() const { return status_; }

 private:
  enum class State {
    head,
    fixed,
    chunk_size,
    chunk_data,
    chunk_data_end,
    trailer,
    until_close,
    done
  };
  base::Expected<bool, std::string> parseHead(std::string_view head);
  std::size_t max_head_bytes_;
  State state_ = State::head;
  std::string pending_;  // bytes not yet consumed (head, chunk size line)
  int status_ = 0;
  std::size_t remaining_ = 0;  // body or chunk bytes still expected
};

struct Response {
  int status = 0;
  std::string body;
};

class UnixHttpClient {
 public:
  UnixHttpClient(std::string socket_path, std::chrono::milliseconds timeout,
                 std::size_t max_body_bytes = 64 << 20)
      : socket_path_(std::move(socket_path)), timeout_(timeout), max_body_bytes_(max_body_bytes) {}

  // One GET on a fresh connection, bounded by the timeout as a whole.
  base::Expected<Response, std::string> get(std::string_view target) const;

  // A GET whose body is a stream of newline-separated records (Docker's
  // /events). Calls on_line for each complete line. Returns when the server
  // ends the stream, on error, or when `stop` is set or `until` passes (both
  // checked at least every 250 ms); the value is the HTTP status.
  base::Expected<int, std::string> streamLines(std::string_view target,
                                               const std::function<void(std::string_view)>& on_line,
                                               const std::atomic<bool>& stop,
                                               std::chrono::steady_clock::time_point until) const;

  const std::string& socketPath() const { return socket_path_; }

 private:
  std::string socket_path_;
  std::chrono::milliseconds timeout_;
  std::size_t max_body_bytes_;
};

// Percent-encodes a query parameter value (filters are JSON).
std::string urlEncode(std::string_view text);

}  // namespace docker
