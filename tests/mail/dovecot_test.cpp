// dovecot: the stats-reader DUMP and anvil CONNECT-DUMP parsers on replies
// captured from Dovecot 2.3.19.1 (tests/fixtures/mail/dovecot), malformed and
// truncated replies, and the collector against fake unix-socket servers
// (a good answer, a missing socket, a socket that never answers).

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "mail/collectors/collectors.h"
#include "mail/dovecot/stats.h"
#include "sockio/exchange.h"
#include "support/golden.h"
#include "support/temp_tree.h"

namespace {

using mail::dovecot::defaultGroupBy;
using mail::dovecot::parseAnvilConnectDump;
using mail::dovecot::parseStatsDump;

std::string readFixture(const std::string& name) {
  std::ifstream in(testsupport::fixture("mail/dovecot/" + name), std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

const mail::dovecot::Metric* find(const mail::dovecot::Dump& dump, const std::string& name) {
  for (const auto& metric : dump.metrics)
    if (metric.name == name) return &metric;
  return nullptr;
}

}  // namespace

TEST_CASE("dovecot: a captured 2.3.19 dump, group_by leaves become labels") {
  auto dump = parseStatsDump(readFixture("dump_2.3.19.txt"), defaultGroupBy());
  REQUIRE(dump);
  REQUIRE(dump->metrics.size() == 3);
  const auto* success = find(*dump, "auth_success");
  REQUIRE(success);
  CHECK(success->labels.empty());
  REQUIRE(success->samples.size() == 1);
  CHECK(success->samples[0].count == 2);
  CHECK(success->samples[0].sum_usecs == 237);
  const auto* imap = find(*dump, "imap_command");
  REQUIRE(imap);
  CHECK(imap->labels == std::vector<std::string>{"cmd_name", "tagged_reply_state"});
  REQUIRE(imap->samples.size() == 3);  // leaves only; they add up to the root's 3
  CHECK(imap->samples[0].values == std::vector<std::string>{"SELECT", "OK"});
  CHECK(imap->samples[0].count == 1);
  CHECK(imap->samples[0].sum_usecs == 4941);
  CHECK(imap->samples[2].values == std::vector<std::string>{"LOGOUT", "OK"});
}

TEST_CASE("dovecot: events without a group_by field land in an all-empty sample") {
  std::string reply =
      "VERSION\tstats-reader-server\t2\t0\n"
      "imap_command\t5\t1000\n"
      "imap_command_SELECT\t2\t300\n"
      "imap_command_SELECT_OK\t1\t100\n"
      "imap_command_SELECT_NO\t1\t200\n"
      "imap_command_NOOP\t1\t50\n"  // no tagged_reply_state: no leaf
      "auth_success\t0\t0\n"
      "\n";
  auto dump = parseStatsDump(reply, defaultGroupBy());
  REQUIRE(dump);
  REQUIRE(dump->metrics.size() == 2);
  const auto& imap = dump->metrics[0];
  REQUIRE(imap.samples.size() == 3);
  CHECK(imap.samples[1].values == std::vector<std::string>{"SELECT", "NO"});
  CHECK(imap.samples[2].values == std::vector<std::string>{"", ""});
  CHECK(imap.samples[2].count == 3);
  CHECK(imap.samples[2].sum_usecs == 700);
  CHECK(dump->metrics[1].name == "auth_success");
}

TEST_CASE("dovecot: without a known group_by, a sub-metric line is its own metric") {
  std::string reply =
      "VERSION\tstats-reader-server\t2\t0\n"
      "auth\t1\t1\n"
      "auth_success\t1\t1\n"
      "\n";
  auto dump = parseStatsDump(reply, defaultGroupBy());
  REQUIRE(dump);
  CHECK(dump->metrics.size() == 2);
  auto grouped = parseStatsDump(reply, {{"auth", {"result"}}});
  REQUIRE(grouped);
  REQUIRE(grouped->metrics.size() == 1);
  CHECK(grouped->metrics[0].samples[0].values == std::vector<std::string>{"success"});
}

TEST_CASE("dovecot: an empty dump is fine") {
  auto dump = parseStatsDump(readFixture("dump_empty.txt"), defaultGroupBy());
  REQUIRE(dump);
  CHECK(dump->metrics.empty());
}

TEST_CASE("dovecot: malformed and truncated dumps are errors, never crashes") {
  const std::string good = readFixture("dump_2.3.19.txt");
  struct Case {
    const char* what;
    std::string reply;
  };
  const Case cases[] = {
      {"empty", ""},
      {"no handshake", "auth_success\t1\t2\n\n"},
      {"other service", "VERSION\tanvil\t2\t0\n\n"},
      {"major version 3", "VERSION\tstats-reader-server\t3\t0\n\n"},
      {"no end line", "VERSION\tstats-reader-server\t2\t0\nauth_success\t1\t2\n"},
      {"mid-line", good.substr(0, good.size() - 20)},
      {"short line", "VERSION\tstats-reader-server\t2\t0\nauth_success\t1\n\n"},
      {"bad count", "VERSION\tstats-reader-server\t2\t0\nauth_success\tx\t2\n\n"},
      {"negative", "VERSION\tstats-reader-server\t2\t0\nauth_success\t-1\t2\n\n"},
      {"empty name", "VERSION\tstats-reader-server\t2\t0\n\t1\t2\n\n"},
      {"empty line inside", "VERSION\tstats-reader-server\t2\t0\n\nauth_success\t1\t2\n\n"},
      {"binary", std::string("\0\xff\n\n", 4)},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    CHECK_FALSE(parseStatsDump(c.reply, defaultGroupBy()));
  }
  // Every prefix of a good reply either parses whole or fails cleanly.
  for (size_t n = 0; n < good.size(); ++n) CHECK_FALSE(parseStatsDump(good.substr(0, n), {}));
}

TEST_CASE("dovecot: the reply-complete predicates") {
  using mail::dovecot::anvilDumpComplete;
  using mail::dovecot::statsDumpComplete;
  CHECK_FALSE(statsDumpComplete(""));
  CHECK_FALSE(statsDumpComplete("VERSION\tstats-reader-server\t2\t0\n"));
  CHECK(statsDumpComplete("VERSION\tstats-reader-server\t2\t0\n\n"));
  CHECK_FALSE(statsDumpComplete("VERSION\tstats-reader-server\t2\t0\na\t1\t1\n"));
  CHECK(statsDumpComplete(readFixture("dump_2.3.19.txt")));
  CHECK(anvilDumpComplete("\n"));
  CHECK_FALSE(anvilDumpComplete("imap/1.2.3.4/u\t1\t1\n"));
  CHECK(anvilDumpComplete(readFixture("anvil_one_imap.txt")));
}

TEST_CASE("dovecot: anvil CONNECT-DUMP sums connections by service") {
  auto one = parseAnvilConnectDump(readFixture("anvil_one_imap.txt"));
  REQUIRE(one);
  CHECK(one->at("imap") == 1);
  auto many = parseAnvilConnectDump(
      "imap/127.0.0.1/a\t10\t2\nimap/::1/b/c\t11\t1\npop3/192.0.2.1/a\t12\t1\n\n");
  REQUIRE(many);
  CHECK(many->at("imap") == 3);
  CHECK(many->at("pop3") == 1);
  auto none = parseAnvilConnectDump("\n");
  REQUIRE(none);
  CHECK(none->empty());
  CHECK_FALSE(parseAnvilConnectDump(""));
  CHECK_FALSE(parseAnvilConnectDump("imap/1/u\t1\t1\n"));
  CHECK_FALSE(parseAnvilConnectDump("imap/1/u\t1\n\n"));
  CHECK_FALSE(parseAnvilConnectDump("imap/1/u\t1\tz\n\n"));
  CHECK_FALSE(parseAnvilConnectDump("noslash\t1\t1\n\n"));
}

TEST_CASE("dovecot: group-by flags and names") {
  auto spec = mail::dovecot::parseGroupBySpec("smtp_command=cmd_name,status_code");
  REQUIRE(spec);
  CHECK(spec->first == "smtp_command");
  CHECK(spec->second == std::vector<std::string>{"cmd_name", "status_code"});
  CHECK_FALSE(mail::dovecot::parseGroupBySpec("x"));
  CHECK_FALSE(mail::dovecot::parseGroupBySpec("=a"));
  CHECK_FALSE(mail::dovecot::parseGroupBySpec("x="));
  CHECK_FALSE(mail::dovecot::parseGroupBySpec("x=a,,b"));
  CHECK(mail::dovecot::prometheusName("auth-success.x") == "dovecot_auth_success_x");
}

namespace {

// A unix socket server on its own thread: answers each connection with
// `answer` once it has read something, or never when `answer` is empty.
class FakeSocket {
 public:
  FakeSocket(std::string path, std::string answer) : path_(std::move(path)) {
    std::filesystem::remove(path_);
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(::listen(fd_, 4) == 0);
    thread_ = std::thread([this, answer] {
      while (true) {
        int client = ::accept(fd_, nullptr, nullptr);
        if (client < 0 || stop_) {
          if (client >= 0) ::close(client);
          return;
        }
        char buf[256];
        (void)::recv(client, buf, sizeof(buf), 0);
        if (!answer.empty()) (void)::send(client, answer.data(), answer.size(), MSG_NOSIGNAL);
        if (!answer.empty())
          ::close(client);
        else
          held_.push_back(client);
      }
    });
  }
  ~FakeSocket() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    // Wake accept() with one connection.
    int poke = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
    (void)::connect(poke, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::close(poke);
    thread_.join();
    for (int fd : held_) ::close(fd);
    ::close(fd_);
    std::filesystem::remove(path_);
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::vector<int> held_;
  std::thread thread_;
};

std::unique_ptr<runtime::Collector> buildDovecot(mail::Options& options) {
  runtime::CollectorRegistry registry;
  mail::registerDovecotCollector(registry, options);
  return registry.specs().front().make();
}

}  // namespace

TEST_CASE("dovecot collector: a good dump and anvil answer") {
  testsupport::TempTree temp;
  const std::string& dir = temp.root();
  FakeSocket stats(dir + "/stats-reader", readFixture("dump_2.3.19.txt"));
  FakeSocket anvil(dir + "/anvil", readFixture("anvil_one_imap.txt"));
  mail::Options options;
  options.dovecot.stats_socket = dir + "/stats-reader";
  auto collector = buildDovecot(options);
  auto rendered = testsupport::render(*collector);
  CHECK(rendered.status.isOk());
  const std::string& text = rendered.text;
  CHECK(text.find("dovecot_up 1") != std::string::npos);
  CHECK(text.find("dovecot_auth_success_total 2") != std::string::npos);
  CHECK(text.find("dovecot_auth_failures_total 1") != std::string::npos);
  CHECK(text.find("dovecot_auth_success_duration_seconds_total 0.000237") != std::string::npos);
  CHECK(text.find("dovecot_imap_command_total{cmd_name=\"SELECT\",tagged_reply_state=\"OK\"} 1") !=
        std::string::npos);
  CHECK(text.find("dovecot_sessions{protocol=\"imap\"} 1") != std::string::npos);
  CHECK(text.find("dovecot_sessions{protocol=\"pop3\"} 0") != std::string::npos);
  CHECK(text.find("dovecot_exporter_parse_errors_total{source=\"stats\"} 0") != std::string::npos);
}

TEST_CASE("dovecot collector: a missing socket is up 0 and a clear failure") {
  mail::Options options;
  testsupport::TempTree temp;
  options.dovecot.stats_socket = temp.path("no-such-socket");
  auto collector = buildDovecot(options);
  auto rendered = testsupport::render(*collector);
  CHECK_FALSE(rendered.status.isOk());
  CHECK(rendered.status.message().find("no-such-socket") != std::string::npos);
  CHECK(rendered.text.find("dovecot_up 0") != std::string::npos);
}

TEST_CASE("dovecot collector: a malformed dump counts a parse error and is up 0") {
  testsupport::TempTree temp;
  const std::string& dir = temp.root();
  FakeSocket stats(dir + "/stats-reader",
                   "VERSION\tstats-reader-server\t2\t0\nauth_success\tNaN\t1\n\n");
  mail::Options options;
  options.dovecot.stats_socket = dir + "/stats-reader";
  auto collector = buildDovecot(options);
  (void)testsupport::render(*collector);
  auto rendered = testsupport::render(*collector);
  CHECK(rendered.text.find("dovecot_up 0") != std::string::npos);
  CHECK(rendered.text.find("dovecot_exporter_parse_errors_total{source=\"stats\"} 2") !=
        std::string::npos);
}

TEST_CASE("dovecot collector: a socket that never answers is cut at the timeout") {
  testsupport::TempTree temp;
  const std::string& dir = temp.root();
  FakeSocket stats(dir + "/stats-reader", "");
  mail::Options options;
  options.dovecot.stats_socket = dir + "/stats-reader";
  options.dovecot.timeout_seconds = 0.2;
  auto collector = buildDovecot(options);
  auto started = std::chrono::steady_clock::now();
  auto rendered = testsupport::render(*collector);
  auto took = std::chrono::steady_clock::now() - started;
  CHECK(took < std::chrono::seconds(2));
  CHECK(rendered.text.find("dovecot_up 0") != std::string::npos);
  CHECK(rendered.status.message().find("timeout") != std::string::npos);
}

TEST_CASE("dovecot: a captured 2.3.19 OpenMetrics page becomes the same dump") {
  auto page = mail::dovecot::parseOpenMetrics(readFixture("openmetrics_2.3.19.txt"));
  REQUIRE(page);
  CHECK(page->version == "2.3.19.1");
  CHECK(page->revision == "9b53102964");
  const auto* success = find(page->dump, "auth_success");
  REQUIRE(success);
  CHECK(success->labels.empty());
  REQUIRE(success->samples.size() == 1);
  CHECK(success->samples[0].count == 1);
  CHECK(success->samples[0].sum_usecs == 123);
  const auto* imap = find(page->dump, "imap_command");
  REQUIRE(imap);
  CHECK(imap->labels == std::vector<std::string>{"cmd_name", "tagged_reply_state"});
  // The intermediate {cmd_name="SELECT"} level is a sum, not a leaf.
  REQUIRE(imap->samples.size() == 2);
  CHECK(imap->samples[0].values == std::vector<std::string>{"SELECT", "OK"});
  CHECK(imap->samples[0].count == 1);
  CHECK(imap->samples[0].sum_usecs == 8370);
  CHECK(imap->samples[1].values == std::vector<std::string>{"LOGOUT", "OK"});
  // A group_by block without events has no series yet (as from the socket).
  const auto* smtp = find(page->dump, "smtp_command");
  REQUIRE(smtp);
  CHECK(smtp->samples.empty());
  const auto* delivery = find(page->dump, "mail_delivery");
  REQUIRE(delivery);
  REQUIRE(delivery->samples.size() == 1);
  CHECK(delivery->samples[0].count == 0);
}

TEST_CASE("dovecot: OpenMetrics leaves without a deeper field, and the root's remainder") {
  std::string page =
      "# TYPE dovecot_imap_command counter\n"
      "dovecot_imap_command_total{cmd_name=\"SELECT\"} 2\n"
      "dovecot_imap_command_total{cmd_name=\"SELECT\",tagged_reply_state=\"OK\"} 2\n"
      "dovecot_imap_command_total{cmd_name=\"NOOP\"} 1\n"
      "dovecot_imap_command_count 4\n"
      "# TYPE dovecot_imap_command_duration_seconds counter\n"
      "dovecot_imap_command_duration_seconds_total{cmd_name=\"SELECT\",tagged_reply_state=\"OK\"} "
      "0.5\n"
      "dovecot_imap_command_duration_seconds_sum 0.75\n"
      "# EOF\n";
  auto parsed = mail::dovecot::parseOpenMetrics(page);
  REQUIRE(parsed);
  REQUIRE(parsed->dump.metrics.size() == 1);
  const auto& imap = parsed->dump.metrics[0];
  REQUIRE(imap.samples.size() == 3);
  CHECK(imap.samples[0].values == std::vector<std::string>{"SELECT", "OK"});
  CHECK(imap.samples[0].sum_usecs == 500000);
  CHECK(imap.samples[1].values == std::vector<std::string>{"NOOP", ""});
  CHECK(imap.samples[2].values == std::vector<std::string>{"", ""});
  CHECK(imap.samples[2].count == 1);
  CHECK(imap.samples[2].sum_usecs == 250000);
}

TEST_CASE("dovecot: a truncated or garbled OpenMetrics page is an error, never a crash") {
  std::string good = readFixture("openmetrics_2.3.19.txt");
  CHECK_FALSE(mail::dovecot::parseOpenMetrics(""));
  CHECK_FALSE(mail::dovecot::parseOpenMetrics(good.substr(0, good.size() / 2)));
  auto no_eof = mail::dovecot::parseOpenMetrics(good.substr(0, good.rfind("# EOF")));
  REQUIRE_FALSE(no_eof);
  CHECK(no_eof.error().find("EOF") != std::string::npos);
  auto garbled = mail::dovecot::parseOpenMetrics("dovecot_x_total{a=\"b} 1\n# EOF\n");
  REQUIRE_FALSE(garbled);
  CHECK(garbled.error().find("line 1") != std::string::npos);
  CHECK_FALSE(mail::dovecot::parseOpenMetrics("dovecot_x_total one\n# EOF\n"));
  for (size_t cut = 0; cut < good.size(); cut += 7)
    mail::dovecot::parseOpenMetrics(good.substr(cut));
}
