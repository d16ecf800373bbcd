#include "http1/response.h"

#include <cctype>
#include <charconv>

namespace http1 {
namespace {

// A head larger than this is not an HTTP server talking.
constexpr std::size_t kMaxHeadBytes = 64 << 10;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
    text.remove_suffix(1);
  return text;
}

}  // namespace

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::optional<std::string_view> Response::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (equalsIgnoreCase(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

ResponseParser::ResponseParser(bool head_request, std::size_t max_body_bytes)
    : head_request_(head_request), max_body_bytes_(max_body_bytes) {}

void ResponseParser::keep(std::string_view data) {
  response_.body_bytes += data.size();
  const std::size_t room =
      max_body_bytes_ > response_.body.size() ? max_body_bytes_ - response_.body.size() : 0;
  if (data.size() > room) response_.body_truncated = true;
  response_.body.append(data.substr(0, room));
}

base::Expected<bool, std::string> ResponseParser::parseHead(std::string_view head) {
  const auto line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  if (!status_line.starts_with("HTTP/1."))
    return base::unexpected(std::string("not an HTTP/1.x response"));
  const auto space = status_line.find(' ');
  if (space == std::string_view::npos || status_line.size() < space + 4)
    return base::unexpected(std::string("malformed status line"));
  response_.version = std::string(status_line.substr(0, space));
  std::string_view code = status_line.substr(space + 1, 3);
  auto [ptr, ec] = std::from_chars(code.data(), code.data() + 3, response_.status);
  if (ec != std::errc() || ptr != code.data() + 3 || response_.status < 100)
    return base::unexpected(std::string("malformed status code"));
  bool chunked = false;
  std::optional<std::size_t> length;
  std::string_view lines =
      line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);
  while (!lines.empty()) {
    const auto end = lines.find("\r\n");
    std::string_view line = lines.substr(0, end);
    lines = end == std::string_view::npos ? std::string_view() : lines.substr(end + 2);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = trim(line.substr(0, colon));
    std::string_view value = trim(line.substr(colon + 1));
    response_.headers.emplace_back(name, value);
    if (equalsIgnoreCase(name, "transfer-encoding") &&
        value.find("chunked") != std::string_view::npos)
      chunked = true;
    if (equalsIgnoreCase(name, "content-length")) {
      std::size_t n = 0;
      auto [p, e] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (e != std::errc() || p != value.data() + value.size())
        return base::unexpected(std::string("malformed Content-Length"));
      length = n;
    }
  }
  // RFC 9112 section 6.3: no body for HEAD, 1xx, 204 and 304.
  const int status = response_.status;
  if (status < 200 && status != 101) {
    // An interim answer (100 Continue, 103 Early Hints): the real one follows.
    response_ = Response();
    state_ = State::head;
  } else if (head_request_ || status < 200 || status == 204 || status == 304) {
    state_ = State::done;
  } else if (chunked) {
    state_ = State::chunk_size;
  } else if (length) {
    remaining_ = *length;
    state_ = remaining_ == 0 ? State::done : State::length;
  } else {
    state_ = State::to_close;
  }
  return true;
}

base::Expected<bool, std::string> ResponseParser::feed(std::string_view data) {
  while (!data.empty() && state_ != State::done) {
    switch (state_) {
      case State::head: {
        // The blank line may straddle two reads: search from a little
        // before the new bytes.
        const std::size_t from = pending_.size() >= 3 ? pending_.size() - 3 : 0;
        pending_.append(data);
        data = {};
        const auto end = pending_.find("\r\n\r\n", from);
        if (end == std::string::npos) {
          if (pending_.size() > kMaxHeadBytes)
            return base::unexpected(std::string("response head larger than 64 KiB"));
          break;
        }
        std::string rest = pending_.substr(end + 4);
        auto parsed = parseHead(std::string_view(pending_).substr(0, end));
        if (!parsed) return base::unexpected(parsed.error());
        pending_.clear();
        if (state_ == State::done || rest.empty()) break;
        auto fed = feed(rest);
        if (!fed) return fed;
        break;
      }
      case State::length: {
        const std::size_t take = std::min(remaining_, data.size());
        keep(data.substr(0, take));
        data.remove_prefix(take);
        remaining_ -= take;
        if (remaining_ == 0) state_ = State::done;
        break;
      }
      case State::to_close:
        keep(data);
        data = {};
        break;
      case State::chunk_size:
      case State::trailers: {
        const auto newline = data.find('\n');
        pending_.append(data.substr(0, newline));
        if (pending_.size() > 4096)
          return base::unexpected(std::string("chunk header line too long"));
        if (newline == std::string_view::npos) {
          data = {};
          break;
        }
        data.remove_prefix(newline + 1);
        std::string_view line = trim(pending_);
        if (state_ == State::trailers) {
          if (line.empty()) state_ = State::done;
          pending_.clear();
          break;
        }
        line = trim(line.substr(0, line.find(';')));
        std::size_t size = 0;
        auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
        if (line.empty() || ec != std::errc() || ptr != line.data() + line.size())
          return base::unexpected(std::string("malformed chunk size"));
        pending_.clear();
        remaining_ = size;
        state_ = size == 0 ? State::trailers : State::chunk_data;
        break;
      }
      case State::chunk_data: {
        const std::size_t take = std::min(remaining_, data.size());
        keep(data.substr(0, take));
        data.remove_prefix(take);
        remaining_ -= take;
        if (remaining_ == 0) {
          state_ = State::chunk_crlf;
          remaining_ = 2;
        }
        break;
      }
      case State::chunk_crlf: {
        // The CRLF after a chunk's data.
        while (remaining_ > 0 && !data.empty()) {
          if (data.front() != '\r' && data.front() != '\n')
            return base::unexpected(std::string("chunk not followed by CRLF"));
          const bool newline = data.front() == '\n';
          data.remove_prefix(1);
          remaining_ = newline ? 0 : remaining_ - 1;
        }
        if (remaining_ == 0) state_ = State::chunk_size;
        break;
      }
      case State::done:
        break;
    }
  }
  return state_ == State::done;
}

base::Expected<Response, std::string> ResponseParser::finish() {
  switch (state_) {
    case State::done:
    case State::to_close:
      state_ = State::done;
      return std::move(response_);
    case State::head:
      return base::unexpected(std::string(pending_.empty() ? "connection closed without an answer"
                                                           : "incomplete HTTP response head"));
    case State::length:
      return base::unexpected("body shorter than its Content-Length (" +
                              std::to_string(response_.body_bytes) + " of " +
                              std::to_string(response_.body_bytes + remaining_) + " bytes)");
    default:
      return base::unexpected(std::string("truncated chunked body"));
  }
}

base::Expected<Response, std::string> parseResponse(std::string_view raw, bool head_request) {
  ResponseParser parser(head_request, raw.size());
  auto fed = parser.feed(raw);
  if (!fed) return base::unexpected(fed.error());
  return parser.finish();
}

}  // namespace http1
