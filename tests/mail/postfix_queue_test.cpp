// The queue listing parsers against answers captured from Postfix 3.7
// (Debian bookworm): the showq socket's bytes and postqueue -j's lines for
// the same queue (2 deferred, 1 held), plus cut and malformed answers.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "mail/postfix/queue.h"
#include "mail/postfix/queue_client.h"
#include "support/golden.h"

using namespace mail::postfix;

namespace {
std::string readFixture(const std::string& name) {
  std::ifstream in(testsupport::fixture("mail/postfix/" + name), std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}
}  // namespace

TEST_CASE("showq: Postfix 3.7's answer, protocol announcement first") {
  const std::string bytes = readFixture("showq_3.7.bin");
  REQUIRE(bytes.rfind("protocol\0mail_queue_list_protocol\0\0", 0) == 0);
  QueueListing listing = parseShowq(bytes);
  CHECK(listing.error == "");
  CHECK(listing.complete);
  REQUIRE(listing.messages.size() == 3);
  CHECK(listing.messages[0].queue == "deferred");
  CHECK(listing.messages[0].queue_id == "04097AB60B1");
  CHECK(listing.messages[0].arrival_time == 1795270984);
  CHECK(listing.messages[0].size_bytes == 309);
  CHECK(listing.messages[2].queue == "hold");
  CHECK(listing.messages[2].queue_id == "EC9F9AB60AC");
}

TEST_CASE("showq: an empty queue, with and without the announcement") {
  using namespace std::string_literals;
  QueueListing with = parseShowq("protocol\0mail_queue_list_protocol\0\0\0"s);
  CHECK(with.error == "");
  CHECK(with.complete);
  CHECK(with.messages.empty());
  QueueListing without = parseShowq("\0"s);
  CHECK(without.error == "");
  CHECK(without.complete);
}

TEST_CASE("showq: long queue ids and unknown attributes") {
  using namespace std::string_literals;
  QueueListing listing = parseShowq(
      "queue_name\0active\0queue_id\0"
      "4Lq1Xj3Y0Vz9xBw\0time\0"
      "1700000000\0size\0"
      "12345\0new_attribute\0x\0sender\0\0recipient\0r@example.com\0\0\0"s);
  CHECK(listing.error == "");
  REQUIRE(listing.messages.size() == 1);
  CHECK(listing.messages[0].queue_id == "4Lq1Xj3Y0Vz9xBw");
  CHECK(listing.messages[0].size_bytes == 12345);
}

TEST_CASE("showq: cut or malformed answers are errors, never crashes") {
  using namespace std::string_literals;
  const std::string bytes = readFixture("showq_3.7.bin");
  // Every prefix of a real answer: an error (no end marker) but the
  // messages before the cut are kept.
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    QueueListing listing = parseShowq(std::string_view(bytes).substr(0, cut));
    CHECK_FALSE(listing.error.empty());
    CHECK_FALSE(listing.complete);
    CHECK(listing.messages.size() <= 3);
  }
  CHECK_FALSE(parseShowq("queue_name\0active\0time\0x\0size\0001\0\0\0"s).error.empty());
  CHECK_FALSE(parseShowq("queue_name\0active\0\0\0"s).error.empty());
  CHECK_FALSE(parseShowq("\0trailing"s).error.empty());
}

TEST_CASE("postqueue -j: the same queue as JSON lines") {
  QueueListing listing = parsePostqueueJson(readFixture("postqueue_3.7.jsonl"));
  CHECK(listing.error == "");
  REQUIRE(listing.messages.size() == 3);
  CHECK(listing.messages[1].queue == "deferred");
  CHECK(listing.messages[1].arrival_time == 1795270984);
  CHECK(listing.messages[2].queue == "hold");
  CHECK(listing.messages[2].size_bytes == 309);
  CHECK(parsePostqueueJson("").messages.empty());
  CHECK(parsePostqueueJson("").error == "");
}

TEST_CASE("postqueue -j: malformed lines") {
  CHECK_FALSE(parsePostqueueJson("{\"queue_name\": \"active\"\n").error.empty());
  CHECK_FALSE(parsePostqueueJson("[1,2]\n").error.empty());
  CHECK_FALSE(parsePostqueueJson("{\"queue_name\": 1, \"arrival_time\": 1, \"message_size\": 1}\n")
                  .error.empty());
  CHECK_FALSE(parsePostqueueJson("not json\n").error.empty());
}

TEST_CASE("showq socket: a missing socket is an error naming the path") {
  mail::postfix::ShowqStream stream([](const auto&) {});
  RawListing raw = streamShowqSocket("/nonexistent/public/showq", 1, stream);
  CHECK_FALSE(raw.ok);
  CHECK(raw.error.find("/nonexistent/public/showq") != std::string::npos);
}

TEST_CASE("postqueue: a missing program and a failing one are errors") {
  RawListing missing = runPostqueue("/nonexistent/postqueue", "", 1);
  CHECK_FALSE(missing.ok);
  RawListing failing = runPostqueue("false", "", 1);
  CHECK_FALSE(failing.ok);
  CHECK(failing.error.find("exited 1") != std::string::npos);
}

TEST_CASE("showq socket: a server that never answers hits the deadline") {
  char dir_template[] = "/tmp/tern-showq-XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  const std::string path = std::string(dir_template) + "/showq";
  int server = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
  REQUIRE(::bind(server, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(server, 4) == 0);
  const auto started = std::chrono::steady_clock::now();
  mail::postfix::ShowqStream stream([](const auto&) {});
  RawListing raw = streamShowqSocket(path, 0.3, stream);
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  CHECK_FALSE(raw.ok);
  CHECK(raw.error.find("within the timeout") != std::string::npos);
  CHECK(took < 2.0);
  ::close(server);
  ::unlink(path.c_str());
  ::rmdir(dir_template);
}

TEST_CASE("showq: fed in pieces of any size, the stream gives what the whole answer gives") {
  const std::string bytes = readFixture("showq_3.7.bin");
  const QueueListing whole = parseShowq(bytes);
  REQUIRE(whole.error.empty());
  for (std::size_t piece :
       {std::size_t{1}, std::size_t{3}, std::size_t{7}, std::size_t{64}, bytes.size()}) {
    CAPTURE(piece);
    std::vector<mail::postfix::QueuedMessage> got;
    mail::postfix::ShowqStream stream([&](const auto& message) { got.push_back(message); });
    for (std::size_t at = 0; at < bytes.size(); at += piece)
      stream.feed(std::string_view(bytes).substr(at, piece));
    CHECK(stream.finish() == "");
    CHECK(stream.complete());
    REQUIRE(got.size() == whole.messages.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      CHECK(got[i].queue == whole.messages[i].queue);
      CHECK(got[i].queue_id == whole.messages[i].queue_id);
      CHECK(got[i].arrival_time == whole.messages[i].arrival_time);
      CHECK(got[i].size_bytes == whole.messages[i].size_bytes);
    }
  }
  // Cut anywhere: an error, never a crash, and never "complete".
  for (std::size_t cut = 0; cut + 1 < bytes.size(); cut += 5) {
    mail::postfix::ShowqStream stream([](const auto&) {});
    stream.feed(std::string_view(bytes).substr(0, cut));
    CHECK_FALSE(stream.finish().empty());
  }
}
