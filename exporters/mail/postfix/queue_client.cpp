#include "mail/postfix/queue_client.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

#include "sockio/exchange.h"

extern char** environ;

namespace mail::postfix {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxAnswer = 256u << 20;  // 256 MiB: ~1 M queued messages

int remainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

std::string errnoText(int err) { return std::strerror(err); }

// Reads fd to EOF before the deadline; "" on success, else the reason.
std::string readAll(int fd, Clock::time_point deadline, std::string& out) {
  char buffer[65536];
  for (;;) {
    pollfd pfd{fd, POLLIN, 0};
    int ready = ::poll(&pfd, 1, remainingMs(deadline));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return "poll: " + errnoText(errno);
    }
    if (ready == 0) return "no complete answer before the deadline";
    ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return "read: " + errnoText(errno);
    }
    if (got == 0) return "";
    out.append(buffer, static_cast<std::size_t>(got));
    if (out.size() > kMaxAnswer) return "answer larger than 256 MiB";
  }
}

using sockio::Fd;

}  // namespace

RawListing streamShowqSocket(const std::string& path, double timeout_seconds, ShowqStream& stream) {
  // showq answers without a request and closes when done.
  auto read = sockio::exchangeStreaming(
      sockio::Endpoint{sockio::Endpoint::Kind::unix_socket, path, {}, 0}, "",
      [&stream](std::string_view piece) { return stream.feed(piece); },
      std::chrono::milliseconds(static_cast<long>(timeout_seconds * 1000)), kMaxAnswer);
  RawListing result;
  if (!read) {
    result.error = "showq " + read.error().message;
    // Not even connected: postqueue -j may still get through (it asks showq
    // through the postdrop group's setgid helper).
    result.connected = read.error().kind != sockio::SocketError::Kind::unreachable;
    return result;
  }
  result.connected = true;
  result.ok = true;
  return result;
}

RawListing runPostqueue(const std::string& postqueue, const std::string& config_dir,
                        double timeout_seconds) {
  RawListing result;
  const auto deadline =
      Clock::now() + std::chrono::milliseconds(static_cast<long>(timeout_seconds * 1000));
  std::vector<std::string> args = {postqueue};
  if (!config_dir.empty()) {
    args.push_back("-c");
    args.push_back(config_dir);
  }
  args.push_back("-j");
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    result.error = "pipe: " + errnoText(errno);
    return result;
  }
  Fd read_end(pipe_fds[0]);
  Fd write_end(pipe_fds[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, postqueue.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  write_end.reset();
  if (rc != 0) {
    result.error = "run " + postqueue + ": " + errnoText(rc);
    return result;
  }
  std::string why = readAll(read_end.get(), deadline, result.bytes);
  if (!why.empty()) ::kill(pid, SIGKILL);
  int status = 0;
  // After EOF the child exits promptly; bound the wait anyway.
  for (;;) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) break;
    if (remainingMs(deadline) == 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      if (why.empty()) why = "did not exit before the deadline";
      break;
    }
    ::usleep(2000);
  }
  if (!why.empty()) {
    result.error = postqueue + " -j: " + why;
    return result;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    result.error = postqueue + " -j exited " +
                   (WIFEXITED(status) ? std::to_string(WEXITSTATUS(status))
                                      : "on signal " + std::to_string(WTERMSIG(status)));
    return result;
  }
  result.ok = true;
  return result;
}

}  // namespace mail::postfix
