// Scrape URIs, durations, the runtime API over unix and TCP sockets (a fake
// HAProxy on loopback), its deadline, and /probe answers.

#include "haproxy/source.h"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include "haproxy/collector.h"
#include "haproxy/target.h"
#include "runtime/http_server.h"
#include "sockio/exchange.h"

namespace {

const char* kInfo = "Name: HAProxy\nVersion: 2.6.12\nRelease_date: 2023/03/14\nCurrConns: 2\n\n";
const char* kStat =
    "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,"
    "wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,"
    "lbtot,tracked,type,\n"
    "fe,FRONTEND,,,1,2,100,7,10,20,0,0,0,,,,,OPEN,,,,,,,,,1,2,0,,,,0,\n"
    "be,srv,0,0,0,1,,7,10,20,,0,,0,0,0,0,UP,1,1,0,0,0,5,0,,1,3,1,,7,,2,\n"
    "be,BACKEND,0,0,0,1,10,7,10,20,0,0,,0,0,0,0,UP,1,1,0,,0,5,0,,1,3,0,,7,,1,\n\n";

// A fake runtime API: answers `show info` and `show stat`, one command per
// connection, or stays silent when told to.
class FakeApi {
 public:
  explicit FakeApi(int listen_fd, bool silent = false) : fd_(listen_fd), silent_(silent) {
    thread_ = std::thread([this] { run(); });
  }
  ~FakeApi() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::atomic<int> commands{0};

 private:
  void run() {
    while (!stop_) {
      int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      char buffer[256];
      std::string request;
      while (request.find('\n') == std::string::npos) {
        ssize_t n = ::recv(client, buffer, sizeof(buffer), 0);
        if (n <= 0) break;
        request.append(buffer, static_cast<size_t>(n));
      }
      ++commands;
      if (silent_) {
        ::usleep(300 * 1000);
      } else {
        std::string answer = request.starts_with("show info") ? kInfo : kStat;
        ::send(client, answer.data(), answer.size(), MSG_NOSIGNAL);
      }
      ::close(client);
    }
  }
  int fd_;
  bool silent_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

int listenUnix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  ::unlink(path.c_str());
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  REQUIRE(::listen(fd, 8) == 0);
  return fd;
}

int listenTcp(int& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  REQUIRE(::listen(fd, 8) == 0);
  socklen_t length = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  port = ntohs(addr.sin_port);
  return fd;
}

std::string tempSocketPath(const char* name) {
  return (std::filesystem::temp_directory_path() /
          ("tern-haproxy-" + std::to_string(::getpid()) + "-" + name))
      .string();
}

std::string renderTarget(haproxy::Target& target, runtime::Status* status = nullptr) {
  runtime::MetricSink sink;
  runtime::Status result = target.scrape(sink);
  if (status != nullptr) *status = result;
  std::vector<runtime::MetricFamily> families;
  sink.drainInto(families);
  std::string text;
  for (const auto& family : families) {
    for (const auto& metric : family.metric) {
      text += family.name;
      for (const auto& label : metric.label) text += " " + label.name + "=" + label.value;
      double value =
          family.type == runtime::MetricType::Counter ? metric.counter.value : metric.gauge.value;
      text += " " + std::to_string(static_cast<long long>(value)) + "\n";
    }
  }
  return text;
}

haproxy::MetricOptions defaultMetrics() {
  haproxy::MetricOptions options;
  options.server_metric_fields = haproxy::parseFieldList(haproxy::kDefaultServerMetricFields);
  return options;
}

}  // namespace

TEST_CASE("scrape URIs as haproxy_exporter takes them") {
  auto unix_uri = haproxy::parseScrapeUri("unix:/run/haproxy/admin.sock");
  REQUIRE(unix_uri);
  CHECK(unix_uri->kind == haproxy::ScrapeUri::Kind::socket);
  CHECK(unix_uri->endpoint.path == "/run/haproxy/admin.sock");
  auto unix_slashes = haproxy::parseScrapeUri("unix:///run/haproxy/admin.sock");
  REQUIRE(unix_slashes);
  CHECK(unix_slashes->endpoint.path == "/run/haproxy/admin.sock");
  auto tcp = haproxy::parseScrapeUri("tcp://127.0.0.1:9999");
  REQUIRE(tcp);
  CHECK(tcp->endpoint.kind == sockio::Endpoint::Kind::tcp);
  CHECK(tcp->endpoint.host == "127.0.0.1");
  CHECK(tcp->endpoint.port == 9999);
  auto tcp6 = haproxy::parseScrapeUri("tcp://[::1]:9999");
  REQUIRE(tcp6);
  CHECK(tcp6->endpoint.host == "::1");
  auto http = haproxy::parseScrapeUri("http://user:pass@lb.example.com:8404/stats;csv");
  REQUIRE(http);
  CHECK(http->kind == haproxy::ScrapeUri::Kind::http);
  CHECK(haproxy::parseScrapeUri("file:///tmp/stats.csv"));
  CHECK_FALSE(haproxy::parseScrapeUri("unix:relative.sock"));
  CHECK_FALSE(haproxy::parseScrapeUri("tcp://127.0.0.1"));
  CHECK_FALSE(haproxy::parseScrapeUri("tcp://127.0.0.1:0"));
  CHECK_FALSE(haproxy::parseScrapeUri("tcp://127.0.0.1:99999"));
  CHECK_FALSE(haproxy::parseScrapeUri("ftp://example.com/"));
  CHECK_FALSE(haproxy::parseScrapeUri(""));
}

TEST_CASE("durations as Go prints them") {
  using std::chrono::milliseconds;
  CHECK(haproxy::parseDuration("5s") == milliseconds(5000));
  CHECK(haproxy::parseDuration("500ms") == milliseconds(500));
  CHECK(haproxy::parseDuration("1m30s") == milliseconds(90000));
  CHECK(haproxy::parseDuration("2") == milliseconds(2000));
  CHECK_FALSE(haproxy::parseDuration(""));
  CHECK_FALSE(haproxy::parseDuration("5x"));
  CHECK_FALSE(haproxy::parseDuration("s"));
  CHECK_FALSE(haproxy::parseDuration("-1s"));
}

TEST_CASE("the runtime API over a unix socket and over TCP") {
  const std::string path = tempSocketPath("api.sock");
  int port = 0;
  {
    FakeApi unix_api(listenUnix(path));
    FakeApi tcp_api(listenTcp(port));
    for (const std::string& uri : {"unix:" + path, "tcp://127.0.0.1:" + std::to_string(port)}) {
      CAPTURE(uri);
      haproxy::Target target(*haproxy::parseScrapeUri(uri), {}, defaultMetrics());
      runtime::Status status = runtime::Status::ok();
      std::string text = renderTarget(target, &status);
      CHECK(status.isOk());
      CHECK(text.find("haproxy_up 1\n") != std::string::npos);
      CHECK(text.find("haproxy_server_up backend=be server=srv 1\n") != std::string::npos);
      CHECK(text.find("haproxy_frontend_sessions_total frontend=fe 7\n") != std::string::npos);
      CHECK(text.find("haproxy_version_info release_date=2023/03/14 version=2.6.12 1\n") !=
            std::string::npos);
      CHECK(text.find("haproxy_process_current_connections 2\n") != std::string::npos);
      CHECK(text.find("haproxy_exporter_scrapes_total 1\n") != std::string::npos);
    }
    CHECK(unix_api.commands == 2);
    CHECK(tcp_api.commands == 2);
  }
  std::filesystem::remove(path);
}

TEST_CASE("a silent or missing socket fails within the timeout: haproxy_up 0") {
  const std::string path = tempSocketPath("silent.sock");
  {
    FakeApi silent(listenUnix(path), true);
    haproxy::SourceOptions source;
    source.timeout = std::chrono::milliseconds(100);
    haproxy::Target target(*haproxy::parseScrapeUri("unix:" + path), source, defaultMetrics());
    auto started = std::chrono::steady_clock::now();
    runtime::Status status = runtime::Status::ok();
    std::string text = renderTarget(target, &status);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1000));
    CHECK_FALSE(status.isOk());
    CHECK(status.message().find(path) != std::string::npos);
    CHECK(text.find("haproxy_up 0\n") != std::string::npos);
  }
  std::filesystem::remove(path);
  haproxy::Target missing(*haproxy::parseScrapeUri("unix:" + path), {}, defaultMetrics());
  runtime::Status status = runtime::Status::ok();
  std::string text = renderTarget(missing, &status);
  CHECK_FALSE(status.isOk());
  CHECK(status.message().find("connect") != std::string::npos);
  CHECK(text.find("haproxy_up 0\n") != std::string::npos);
}

TEST_CASE("a CSV that is not HAProxy's counts as a parse failure, haproxy_up 0") {
  const std::string path = tempSocketPath("bad.csv");
  {
    std::FILE* file = std::fopen(path.c_str(), "w");
    std::fputs("<html>Bad Gateway</html>\n", file);
    std::fclose(file);
  }
  haproxy::Target target(*haproxy::parseScrapeUri("file://" + path), {}, defaultMetrics());
  runtime::Status status = runtime::Status::ok();
  std::string text = renderTarget(target, &status);
  CHECK_FALSE(status.isOk());
  CHECK(text.find("haproxy_up 0\n") != std::string::npos);
  CHECK(text.find("haproxy_exporter_csv_parse_failures_total 1\n") != std::string::npos);
  std::filesystem::remove(path);
}

TEST_CASE("/probe answers a target's families, and refuses bad targets") {
  const std::string path = tempSocketPath("probe.sock");
  {
    FakeApi api(listenUnix(path));
    haproxy::Options options;
    haproxy::Prober prober(options);
    auto request =
        runtime::parseRequestHead("GET /probe?target=unix%3A" + path + " HTTP/1.1\r\n\r\n");
    REQUIRE(request);
    runtime::HttpResponse response = prober.probe(*request);
    CHECK(response.status == 200);
    CHECK(response.body.find("haproxy_up 1\n") != std::string::npos);
    CHECK(response.body.find("haproxy_server_up{backend=\"be\",server=\"srv\"} 1\n") !=
          std::string::npos);
    CHECK(response.body.find("haproxy_probe_duration_seconds ") != std::string::npos);

    auto missing = runtime::parseRequestHead("GET /probe HTTP/1.1\r\n\r\n");
    CHECK(prober.probe(*missing).status == 400);
    auto file = runtime::parseRequestHead("GET /probe?target=file:///etc/passwd HTTP/1.1\r\n\r\n");
    CHECK(prober.probe(*file).status == 400);
    auto bad = runtime::parseRequestHead("GET /probe?target=gopher://x HTTP/1.1\r\n\r\n");
    CHECK(prober.probe(*bad).status == 400);
  }
  std::filesystem::remove(path);
}

TEST_CASE("stats page URLs: errors never carry the password") {
  auto secure = haproxy::parseScrapeUri("https://user:p%40ss@lb.example.com/haproxy?stats;csv");
  REQUIRE(secure);
  CHECK(secure->kind == haproxy::ScrapeUri::Kind::http);
  CHECK(secure->http.password == "p@ss");
  auto bad = haproxy::parseScrapeUri("http://user:hunter2@host:0/");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().find("bad port") != std::string::npos);
  CHECK(bad.error().find("hunter2") == std::string::npos);
}
