#include "docker/unix_http.h"

#include <fmt/format.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>

namespace docker {
namespace {

using base::unexpected;
using Clock = std::chrono::steady_clock;

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view trimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

// Closes the descriptor when the request ends, whichever way.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

std::string errnoText(std::string_view what, int error_number) {
  return fmt::format("{}: {}", what, std::strerror(error_number));
}

base::Expected<int, std::string> connectTo(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    return unexpected(fmt::format("socket path too long: {}", path));
  }
  std::memcpy(address.sun_path, path.data(), path.size());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return unexpected(errnoText("socket", errno));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    int error_number = errno;
    ::close(fd);
    return unexpected(errnoText(fmt::format("connect {}", path), error_number));
  }
  return fd;
}

std::optional<std::string> sendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      return errnoText("send", errno);
    }
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
  return std::nullopt;
}

std::string requestText(std::string_view target) {
  // Docker wants a Host header but ignores its value.
  return fmt::format(
      "GET {} HTTP/1.1\r\nHost: docker\r\nUser-Agent: tern-container\r\n"
      "Accept: application/json\r\nConnection: close\r\n\r\n",
      target);
}

// Reads until the parser is complete or the peer closes. `wait_limit` caps
// each poll so the caller's stop checks run; `deadline` ends the whole read.
template <typename ShouldStop>
base::Expected<bool, std::string> readResponse(int fd, ResponseParser& parser,
                                               const ResponseParser::BodySink& on_body,
                                               Clock::time_point deadline, ShouldStop should_stop,
                                               bool deadline_is_error) {
  char buffer[16384];
  while (!parser.complete()) {
    if (should_stop()) return true;
    auto now = Clock::now();
    if (now >= deadline) {
      if (deadline_is_error)
        return unexpected(std::string("timed out waiting for the Docker daemon"));
      return true;
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    pollfd descriptor{fd, POLLIN, 0};
    int ready = ::poll(&descriptor, 1, static_cast<int>(std::min<long long>(wait + 1, 250)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return unexpected(errnoText("poll", errno));
    }
    if (ready == 0) continue;
    ssize_t received = ::recv(fd, buffer, sizeof(buffer), 0);
    if (received < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return unexpected(errnoText("recv", errno));
    }
    if (received == 0) return parser.finish();
    auto fed = parser.feed(std::string_view(buffer, static_cast<std::size_t>(received)), on_body);
    if (!fed) return fed;
  }
  return true;
}

}  // namespace

base::Expected<bool, std::string> ResponseParser::parseHead(std::string_view head) {
  // "HTTP/1.1 200 OK"
  auto line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  if (status_line.substr(0, 5) != "HTTP/" || status_line.size() < 12 || status_line[8] != ' ') {
    return unexpected(fmt::format("malformed status line {:?}", status_line.substr(0, 80)));
  }
  auto code = status_line.substr(9, 3);
  auto [end, ec] = std::from_chars(code.data(), code.data() + code.size(), status_);
  if (ec != std::errc() || end != code.data() + code.size()) {
    return unexpected(fmt::format("malformed status line {:?}", status_line.substr(0, 80)));
  }
  bool chunked = false;
  std::optional<std::size_t> content_length;
  std::string_view rest = line_end == std::string_view::npos ? "" : head.substr(line_end + 2);
  while (!rest.empty()) {
    auto end_of_line = rest.find("\r\n");
    std::string_view line = rest.substr(0, end_of_line);
    rest = end_of_line == std::string_view::npos ? "" : rest.substr(end_of_line + 2);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    auto name = trimSpaces(line.substr(0, colon));
    auto value = trimSpaces(line.substr(colon + 1));
    if (equalsIgnoreCase(name, "Transfer-Encoding")) {
      chunked = value.find("chunked") != std::string_view::npos;
    } else if (equalsIgnoreCase(name, "Content-Length")) {
      std::size_t length = 0;
      auto [length_end, length_ec] =
          std::from_chars(value.data(), value.data() + value.size(), length);
      if (length_ec != std::errc() || length_end != value.data() + value.size()) {
        return unexpected(fmt::format("malformed Content-Length {:?}", value));
      }
      content_length = length;
    }
  }
  if (status_ == 204 || status_ == 304 || (status_ >= 100 && status_ < 200)) {
    state_ = State::done;
  } else if (chunked) {
    state_ = State::chunk_size;
  } else if (content_length) {
    remaining_ = *content_length;
    state_ = remaining_ == 0 ? State::done : State::fixed;
  } else {
    state_ = State::until_close;
  }
  return true;
}

base::Expected<bool, std::string> ResponseParser::feed(std::string_view data,
                                                       const BodySink& on_body) {
  while (!data.empty() && state_ != State::done) {
    switch (state_) {
      case State::head: {
        // The blank line may straddle two reads, so look in what is pending.
        std::size_t old_size = pending_.size();
        pending_.append(data);
        auto end = pending_.find("\r\n\r\n", old_size >= 3 ? old_size - 3 : 0);
        if (end == std::string::npos) {
          if (pending_.size() > max_head_bytes_)
            return unexpected(std::string("response head too large"));
          return true;
        }
        std::string head = pending_.substr(0, end);
        std::size_t consumed_from_data = end + 4 - old_size;
        data.remove_prefix(consumed_from_data);
        pending_.clear();
        auto parsed = parseHead(head);
        if (!parsed) return parsed;
        break;
      }
      case State::fixed:
      case State::chunk_data: {
        std::size_t take = std::min(remaining_, data.size());
        on_body(data.substr(0, take));
        data.remove_prefix(take);
        remaining_ -= take;
        if (remaining_ == 0) state_ = state_ == State::fixed ? State::done : State::chunk_data_end;
        break;
      }
      case State::until_close:
        on_body(data);
        data = {};
        break;
      case State::chunk_size:
      case State::chunk_data_end:
      case State::trailer: {
        auto newline = data.find('\n');
        if (newline == std::string_view::npos) {
          pending_.append(data);
          if (pending_.size() > 1024) return unexpected(std::string("malformed chunked body"));
          return true;
        }
        pending_.append(data.substr(0, newline));
        data.remove_prefix(newline + 1);
        std::string_view line = trimSpaces(pending_);
        if (state_ == State::chunk_data_end) {
          if (!line.empty())
            return unexpected(std::string("malformed chunked body: data after chunk"));
          state_ = State::chunk_size;
        } else if (state_ == State::trailer) {
          if (line.empty()) state_ = State::done;
        } else {
          line = line.substr(0, line.find(';'));  // chunk extensions
          std::size_t size = 0;
          auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
          if (line.empty() || ec != std::errc() || end != line.data() + line.size()) {
            return unexpected(fmt::format("malformed chunk size {:?}", line.substr(0, 40)));
          }
          remaining_ = size;
          state_ = size == 0 ? State::trailer : State::chunk_data;
        }
        pending_.clear();
        break;
      }
      case State::done:
        break;
    }
  }
  return true;
}

base::Expected<bool, std::string> ResponseParser::finish() {
  if (state_ == State::until_close) state_ = State::done;
  if (state_ == State::done) return true;
  return unexpected(std::string(state_ == State::head
                                    ? "connection closed before a response"
                                    : "connection closed in the middle of the body"));
}

base::Expected<Response, std::string> UnixHttpClient::get(std::string_view target) const {
  auto deadline = Clock::now() + timeout_;
  auto fd = connectTo(socket_path_);
  if (!fd) return unexpected(fd.error());
  Socket socket(*fd);
  if (auto error = sendAll(socket.fd(), requestText(target))) return unexpected(*error);
  Response response;
  bool too_large = false;
  ResponseParser parser;
  auto read = readResponse(
      socket.fd(), parser,
      [&](std::string_view bytes) {
        if (response.body.size() + bytes.size() > max_body_bytes_) {
          too_large = true;
          return;
        }
        response.body.append(bytes);
      },
      deadline, [&] { return too_large; }, true);
  if (!read) return unexpected(read.error());
  if (too_large)
    return unexpected(fmt::format("response to {} over {} bytes", target, max_body_bytes_));
  response.status = parser.status();
  return response;
}

base::Expected<int, std::string> UnixHttpClient::streamLines(
    std::string_view target, const std::function<void(std::string_view)>& on_line,
    const std::atomic<bool>& stop, Clock::time_point until) const {
  auto fd = connectTo(socket_path_);
  if (!fd) return unexpected(fd.error());
  Socket socket(*fd);
  if (auto error = sendAll(socket.fd(), requestText(target))) return unexpected(*error);
  std::string partial;
  bool too_long = false;
  ResponseParser parser;
  // The head must come within the timeout; the body may then idle until `until`.
  auto head_deadline = std::min(until, Clock::now() + timeout_);
  auto stopped = [&] { return stop.load() || too_long || parser.headDone(); };
  auto on_body = [&](std::string_view bytes) {
    while (!bytes.empty()) {
      auto newline = bytes.find('\n');
      if (newline == std::string_view::npos) {
        partial.append(bytes);
        if (partial.size() > (1 << 20)) too_long = true;
        return;
      }
      partial.append(bytes.substr(0, newline));
      bytes.remove_prefix(newline + 1);
      if (!partial.empty()) on_line(partial);
      partial.clear();
    }
  };
  auto head = readResponse(socket.fd(), parser, on_body, head_deadline, stopped, true);
  if (!head) return unexpected(head.error());
  if (stop.load() || parser.status() != 200) return parser.status();
  auto body = readResponse(
      socket.fd(), parser, on_body, until, [&] { return stop.load() || too_long; }, false);
  if (!body) return unexpected(body.error());
  if (too_long) return unexpected(std::string("event line over 1 MiB"));
  return parser.status();
}

std::string urlEncode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

}  // namespace docker
