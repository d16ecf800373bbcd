#pragma once
// HTTP/1.x responses, parsed as the bytes arrive: the status line, headers,
// and a body delimited by Content-Length, chunked transfer coding or the
// peer closing. The parser knows when a response is complete, so a client
// need not wait for the close, and it keeps at most max_body_bytes of the
// body (the rest is counted and dropped), so a huge page cannot grow the
// exporter. Pure: no I/O.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/expected.h"

namespace http1 {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Response {
  int status = 0;
  std::string version;         // "HTTP/1.1"
  Headers headers;             // as sent, in order
  std::string body;            // decoded (de-chunked), at most max_body_bytes
  std::size_t body_bytes = 0;  // the whole decoded body's length
  bool body_truncated = false;

  // The first header of that name (case-insensitive).
  std::optional<std::string_view> header(std::string_view name) const;
};

class ResponseParser {
 public:
  // `head_request`: the answer to HEAD has no body whatever its headers say.
  explicit ResponseParser(bool head_request = false, std::size_t max_body_bytes = 16u << 20);

  // Takes the next bytes. Ok(true) once the response is complete (later
  // bytes are ignored); an error for a malformed response.
  base::Expected<bool, std::string> feed(std::string_view data);
  bool complete() const { return state_ == State::done; }
  bool headComplete() const { return state_ != State::head; }

  // The response after the peer closed: complete, or read-to-close; an error
  // when it ended early (no head, a short body, an unfinished chunk).
  base::Expected<Response, std::string> finish();

 private:
  enum class State { head, length, chunk_size, chunk_data, chunk_crlf, trailers, to_close, done };
  base::Expected<bool, std::string> parseHead(std::string_view head);
  void keep(std::string_view data);

  bool head_request_;
  std::size_t max_body_bytes_;
  State state_ = State::head;
  std::string pending_;  // the head, or a partial chunk-size/trailer line
  std::size_t remaining_ = 0;
  Response response_;
};

// A whole response at once (the peer has closed). Pure.
base::Expected<Response, std::string> parseResponse(std::string_view raw,
                                                    bool head_request = false);

bool equalsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace http1
