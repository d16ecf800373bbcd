#include "pipeline/pipeline.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "pipeline/config.h"

using namespace shipper;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// A pipeline built from YAML, with a clock the test moves by hand.
struct Harness {
  CustomMetrics metrics;
  std::vector<std::string> unsupported;
  Clock::time_point now{};
  std::vector<std::pair<std::string, std::string>> drops;  // (line, reason)
  PipelineOptions options;
  std::optional<Pipeline> pipeline;
  std::vector<LogEntry> out;

  explicit Harness(const std::string& yaml) {
    options.clock = [this] { return now; };
    options.on_drop = [this](const LogEntry& entry, const std::string& reason) {
      drops.emplace_back(entry.line, reason);
    };
    auto built = buildPipeline(YAML::Load(yaml), unsupported, metrics, options);
    REQUIRE_MESSAGE(built.ok(), (built.ok() ? "" : built.error()));
    pipeline.emplace(std::move(*built));
  }

  Emit collect() {
    return [this](LogEntry&& entry) { out.push_back(std::move(entry)); };
  }
  void feed(LogEntry entry) { pipeline->process(std::move(entry), collect()); }
  void feed(std::string line, Labels labels = {}, std::uint64_t position = 0,
            std::int64_t timestamp = 0) {
    feed(LogEntry{timestamp, std::move(line), std::move(labels), {}, position});
  }
  void flush() { pipeline->flush(now, collect()); }
};

std::string buildError(const std::string& yaml) {
  CustomMetrics metrics;
  std::vector<std::string> unsupported;
  auto built = buildPipeline(YAML::Load(yaml), unsupported, metrics);
  REQUIRE_FALSE(built.ok());
  return built.error();
}

std::string dockerLine(std::string_view log, std::string_view stream, std::string_view time) {
  return R"({"log":")" + std::string(log) + R"(","stream":")" + std::string(stream) +
         R"(","time":")" + std::string(time) + R"("})";
}

const Labels kContainerA{{"container_name", "a"}, {"job", "docker"}};
const Labels kContainerB{{"container_name", "b"}, {"job", "docker"}};

}  // namespace

TEST_CASE("pipeline: no stages passes entries through") {
  Harness h("[]");
  h.feed("plain", {{"job", "x"}}, 7, 5);
  REQUIRE(h.out.size() == 1);
  CHECK(h.out[0].line == "plain");
  CHECK(h.out[0].position == 7);
  CHECK(h.pipeline->size() == 0);
  CustomMetrics metrics;
  std::vector<std::string> unsupported;
  CHECK(buildPipeline(YAML::Node(), unsupported, metrics).ok());
}

TEST_CASE("docker stage: log, timestamp, stream label") {
  Harness h("- docker: {}");
  h.feed(dockerLine(R"(GET \"/\" 200\n)", "stderr", "2026-11-21T10:19:53.259576290Z"), kContainerA,
         42);
  REQUIRE(h.out.size() == 1);
  const LogEntry& entry = h.out[0];
  CHECK(entry.line == R"(GET "/" 200)");
  CHECK(entry.timestamp_ns == 1795256393259576290);
  CHECK(entry.position == 42);
  CHECK(*findLabel(entry.labels, "stream") == "stderr");
  CHECK(*findLabel(entry.labels, "container_name") == "a");
  CHECK(entry.extracted.at("stream") == "stderr");
}

TEST_CASE("docker stage: partial chunks join per container and stream") {
  Harness h("- docker:");
  h.feed(dockerLine("a1-", "stdout", "2026-11-21T10:00:01Z"), kContainerA, 1);
  h.feed(dockerLine("b1-", "stdout", "2026-11-21T10:00:02Z"), kContainerB, 2);
  h.feed(dockerLine("a-err\\n", "stderr", "2026-11-21T10:00:03Z"), kContainerA, 3);
  h.feed(dockerLine("a2-", "stdout", "2026-11-21T10:00:04Z"), kContainerA, 4);
  h.feed(dockerLine("a3\\n", "stdout", "2026-11-21T10:00:05Z"), kContainerA, 5);
  h.feed(dockerLine("b2\\n", "stdout", "2026-11-21T10:00:06Z"), kContainerB, 6);
  REQUIRE(h.out.size() == 3);
  CHECK(h.out[0].line == "a-err");
  CHECK(h.out[1].line == "a1-a2-a3");
  CHECK(h.out[1].timestamp_ns == 1795255201LL * 1'000'000'000);  // the first chunk's
  CHECK(h.out[1].position == 5);                                 // the last chunk's
  CHECK(*findLabel(h.out[1].labels, "container_name") == "a");
  CHECK(h.out[2].line == "b1-b2");
  CHECK(h.out[2].position == 6);
  CHECK(*findLabel(h.out[2].labels, "container_name") == "b");
}

TEST_CASE("docker stage: a partial line whose end never comes is flushed after the wait") {
  Harness h("- docker: {}");
  h.now = Clock::time_point(100s);
  h.feed(dockerLine("dying", "stdout", "2026-11-21T10:00:01Z"), kContainerA, 9);
  h.now += 4s;
  h.flush();
  CHECK(h.out.empty());
  h.now += 1s;
  h.flush();
  REQUIRE(h.out.size() == 1);
  CHECK(h.out[0].line == "dying");
  CHECK(h.out[0].position == 9);
}

TEST_CASE("docker stage: over-long lines are cut and counted") {
  CustomMetrics metrics;
  std::vector<std::string> unsupported;
  PipelineOptions options;
  options.docker_max_line_bytes = 8;
  auto built = buildPipeline(YAML::Load("- docker: {}"), unsupported, metrics, options);
  REQUIRE(built.ok());
  std::vector<LogEntry> out;
  Emit emit = [&](LogEntry&& e) { out.push_back(std::move(e)); };
  built->process(
      LogEntry{0, dockerLine("0123456789abc\\n", "stdout", "2026-11-21T10:00:01Z"), {}, {}, 3},
      emit);
  REQUIRE(out.size() == 2);
  CHECK(out[0].line == "01234567");
  CHECK(out[1].line == "89abc");
  CHECK(metrics.value(std::string(kDockerTruncatedMetric), {}) == 1);
}

TEST_CASE("docker stage: a line that is not json goes on unchanged and is counted") {
  Harness h("- docker: {}");
  h.feed("not json", kContainerA, 1);
  REQUIRE(h.out.size() == 1);
  CHECK(h.out[0].line == "not json");
  CHECK(h.metrics.value(std::string(kDockerParseErrorsMetric), {}) == 1);
}

TEST_CASE("regex stage: named groups into extracted, on the line or a source") {
  Harness h(R"(
- regex:
    expression: '^(?P<level>\w+) (?<msg>.*?)(?: code=(?P<code>\d+))?$'
- regex:
    source: msg
    expression: '(?P<first>\S+)'
)");
  h.feed("WARN disk almost full");
  h.feed("ERROR failed code=7");
  h.feed("");  // no match: extracted stays empty
  REQUIRE(h.out.size() == 3);
  CHECK(h.out[0].extracted.at("level") == "WARN");
  CHECK(h.out[0].extracted.at("msg") == "disk almost full");
  CHECK(h.out[0].extracted.at("code") == "");  // took no part: empty, as in Go
  CHECK(h.out[0].extracted.at("first") == "disk");
  CHECK(h.out[1].extracted.at("code") == "7");
  CHECK(h.out[1].extracted.at("first") == "failed");
  CHECK(h.out[2].extracted.empty());
}

TEST_CASE("regex stage: a group may overwrite its own source") {
  Harness h(R"(
- regex: {expression: '(?P<v>.*)'}
- regex: {source: v, expression: 'x(?P<v>\d+)'}
)");
  h.feed("x123");
  REQUIRE(h.out.size() == 1);
  CHECK(h.out[0].extracted.at("v") == "123");
}

TEST_CASE("labels and static_labels stages") {
  Harness h(R"(
- regex: {expression: '^(?P<level>\w+) (?P<user>\w*)'}
- labels:
    level:
    who: user
    missing:
- static_labels: {env: prod, job: override}
)");
  h.feed("info alice", {{"job", "varlogs"}, {"who", "old"}});
  h.feed("debug ", {{"who", "old"}});
  REQUIRE(h.out.size() == 2);
  CHECK(h.out[0].labels ==
        Labels{{"env", "prod"}, {"job", "override"}, {"level", "info"}, {"who", "alice"}});
  // An empty extracted value removes the label.
  CHECK(h.out[1].labels == Labels{{"env", "prod"}, {"job", "override"}, {"level", "debug"}});
}

TEST_CASE("drop stage: conditions are ANDed, drops are counted by reason") {
  Harness h(R"(
- regex: {expression: 'level=(?P<level>\w+)'}
- drop:
    expression: healthz
- drop:
    source: level
    value: debug
    drop_counter_reason: debug_lines
- drop:
    longer_than: 1KB
    expression: '^blob'
)");
  h.feed("GET /healthz");
  h.feed("level=debug x");
  h.feed("level=info x");
  h.feed("blob " + std::string(1000, 'x'));  // 1005 bytes: longer than 1000
  h.feed("blob " + std::string(990, 'x'));   // short enough
  h.feed(std::string(2000, 'y'));            // long, but the expression does not match
  REQUIRE(h.out.size() == 3);
  CHECK(h.out[0].line == "level=info x");
  CHECK(h.out[1].line.size() == 995);
  CHECK(h.out[2].line.size() == 2000);
  CHECK(h.metrics.value("logentry_dropped_lines_total", {{"reason", "drop_stage"}}) == 2);
  CHECK(h.metrics.value("logentry_dropped_lines_total", {{"reason", "debug_lines"}}) == 1);
  REQUIRE(h.drops.size() == 3);
  CHECK(h.drops[0] == std::pair<std::string, std::string>{"GET /healthz", "drop_stage"});
  CHECK(h.drops[1].second == "debug_lines");
}

TEST_CASE("drop stage: source alone drops when the value exists; source+expression") {
  // Two regex stages: one with both groups would set the one that took no
  // part to "" (as Promtail does), and "" exists.
  Harness h(R"(
- regex: {expression: 'trace=(?P<trace>\w+)'}
- regex: {expression: 'user=(?P<user>\w+)'}
- drop: {source: trace}
- drop: {source: user, expression: '^bot'}
)");
  h.feed("trace=abc");
  h.feed("user=botty");
  h.feed("user=ann");
  h.feed("nothing");
  REQUIRE(h.out.size() == 2);
  CHECK(h.out[0].line == "user=ann");
  CHECK(h.out[1].line == "nothing");
}

TEST_CASE("multiline stage: blocks keep the first timestamp and the last position") {
  Harness h(R"(
- multiline:
    firstline: '^\d{4}-\d{2}-\d{2}'
    max_wait_time: 3s
)");
  h.feed("2026-11-21 ERROR boom", kContainerA, 10, 1000);
  h.feed("  at a()", kContainerA, 20, 1001);
  h.feed("2026-11-21 other start", kContainerB, 25, 1002);  // another stream: its own block
  h.feed("  at b()", kContainerA, 30, 1003);
  CHECK(h.out.empty());
  h.feed("2026-11-21 INFO next", kContainerA, 40, 1004);
  REQUIRE(h.out.size() == 1);
  CHECK(h.out[0].line == "2026-11-21 ERROR boom\n  at a()\n  at b()");
  CHECK(h.out[0].timestamp_ns == 1000);
  CHECK(h.out[0].position == 30);
  CHECK(h.out[0].labels == kContainerA);
}

TEST_CASE("multiline stage: max_wait_time since the last line, then flush releases") {
  Harness h(R"(
- multiline: {firstline: '^START', max_wait_time: 500ms}
)");
  h.now = Clock::time_point(10s);
  h.feed("START 1", {}, 1);
  h.now += 400ms;
  h.feed("more", {}, 2);
  h.now += 400ms;  // 800ms since the block began, 400ms since its last line
  h.flush();
  CHECK(h.out.empty());
  h.now += 100ms;
  h.flush();
  REQUIRE(h.out.size() == 1);
  CHECK(h.out[0].line == "START 1\nmore");
  CHECK(h.out[0].position == 2);
  // Shutdown: flush(max) releases whatever is held.
  h.feed("START 2", {}, 3);
  h.pipeline->flush(Clock::time_point::max(), h.collect());
  REQUIRE(h.out.size() == 2);
  CHECK(h.out[1].line == "START 2");
}

TEST_CASE("multiline stage: max_lines closes a block; lines before any first line") {
  Harness h("- multiline: {firstline: '^S', max_lines: 3}");
  h.feed("orphan 1", {}, 1);
  h.feed("orphan 2", {}, 2);
  h.feed("S a", {}, 3);
  REQUIRE(h.out.size() == 1);
  CHECK(h.out[0].line == "orphan 1\norphan 2");
  h.feed("x", {}, 4);
  h.feed("y", {}, 5);
  REQUIRE(h.out.size() == 2);
  CHECK(h.out[1].line == "S a\nx\ny");
  CHECK(h.out[1].position == 5);
}

TEST_CASE("multiline stage: a block that would pass the size bound is emitted first") {
  CustomMetrics metrics;
  std::vector<std::string> unsupported;
  PipelineOptions options;
  options.multiline_max_bytes = 10;
  auto built =
      buildPipeline(YAML::Load("- multiline: {firstline: '^S'}"), unsupported, metrics, options);
  REQUIRE(built.ok());
  std::vector<LogEntry> out;
  Emit emit = [&](LogEntry&& e) { out.push_back(std::move(e)); };
  for (const char* line : {"S 1", "abcd", "efgh", "ij"})
    built->process(LogEntry{0, line, {}, {}, 0}, emit);
  REQUIRE(out.size() == 1);
  CHECK(out[0].line == "S 1\nabcd");  // + "\nefgh" would make 13 bytes
  built->flush(Clock::time_point::max(), emit);
  REQUIRE(out.size() == 2);
  CHECK(out[1].line == "efgh\nij");
}

TEST_CASE("multiline after docker: partial lines joined first, then blocks per stream") {
  Harness h(R"(
- docker: {}
- multiline: {firstline: '^\[', max_wait_time: 1s}
)");
  h.feed(dockerLine("[1] Exception", "stderr", "2026-11-21T10:00:01Z"), kContainerA, 1);
  h.feed(dockerLine(": bad\\n", "stderr", "2026-11-21T10:00:01.5Z"), kContainerA, 2);
  h.feed(dockerLine("[2] ok\\n", "stdout", "2026-11-21T10:00:02Z"), kContainerA, 3);
  h.feed(dockerLine("\\tat x\\n", "stderr", "2026-11-21T10:00:03Z"), kContainerA, 4);
  h.now += 1s;
  h.flush();
  REQUIRE(h.out.size() == 2);
  std::sort(h.out.begin(), h.out.end(),
            [](const LogEntry& a, const LogEntry& b) { return a.position < b.position; });
  CHECK(h.out[0].line == "[2] ok");
  CHECK(h.out[1].line == "[1] Exception: bad\n\tat x");
  CHECK(h.out[1].position == 4);
  CHECK(h.out[1].timestamp_ns == 1795255201LL * 1'000'000'000);
}

TEST_CASE("metrics stage: counters by match_all, bytes, value and add") {
  Harness h(R"(
- regex: {expression: 'status=(?P<status>\d+) bytes=(?P<size>\S+)'}
- metrics:
    lines_total:
      type: Counter
      description: all lines
      config: {match_all: true, action: inc}
    bytes_total:
      type: counter
      config: {match_all: true, count_entry_bytes: true, action: add}
    errors_total:
      type: Counter
      source: status
      prefix: my_
      config: {value: "500", action: inc}
    size_sum:
      type: Counter
      source: size
      config: {action: add}
    status:
      type: Counter
      config: {action: inc}
)");
  const Labels labels{{"__meta_docker_container_id", "abc"}, {"job", "web"}};
  h.feed("status=200 bytes=10", labels);
  h.feed("status=500 bytes=2.5", labels);
  h.feed("status=500 bytes=nope", labels);
  h.feed("unrelated", labels);
  CHECK(h.out.size() == 4);
  CHECK(h.unsupported.empty());
  const Labels job{{"job", "web"}};  // "__" labels are left out
  CHECK(h.metrics.value("promtail_custom_lines_total", job) == 4);
  CHECK(h.metrics.value("promtail_custom_bytes_total", job) == 19 + 20 + 21 + 9);
  CHECK(h.metrics.value("my_errors_total", job) == 2);
  CHECK(h.metrics.value("promtail_custom_size_sum", job) == 12.5);
  CHECK(h.metrics.value("promtail_custom_status", job) == 3);  // source defaults to the name

  runtime::MetricSink sink;
  h.metrics.collect(sink, h.now);
  std::vector<runtime::MetricFamily> families;
  sink.drainInto(families);
  bool found = false;
  for (const auto& family : families) {
    if (family.name != "promtail_custom_lines_total") continue;
    found = true;
    CHECK(family.help == "all lines");
    CHECK(family.type == runtime::MetricType::Counter);
    REQUIRE(family.metric.size() == 1);
    CHECK(family.metric[0].counter.value == 4);
    REQUIRE(family.metric[0].label.size() == 1);
    CHECK(family.metric[0].label[0].name == "job");
    CHECK(family.metric[0].label[0].value == "web");
  }
  CHECK(found);
}

TEST_CASE("metrics stage: idle series expire; gauges are unsupported") {
  Harness h(R"(
- metrics:
    seen:
      type: Counter
      max_idle_duration: 10s
      config: {match_all: true, action: inc}
    level:
      type: Gauge
      config: {action: set}
)");
  CHECK(h.unsupported == std::vector<std::string>{"metrics.level (type Gauge)"});
  h.feed("a", {{"container_name", "gone"}});
  h.now += 5s;
  h.feed("b", {{"container_name", "alive"}});
  h.now += 6s;  // "gone" idle for 11s
  runtime::MetricSink sink;
  h.metrics.collect(sink, h.now);
  CHECK(h.metrics.seriesCount() == 1);
  CHECK(h.metrics.value("promtail_custom_seen", {{"container_name", "alive"}}) == 1);
}

TEST_CASE("custom metrics: shared families, thread-safe adds") {
  CustomMetrics metrics;
  auto a = metrics.counter("x_total", "help");
  auto b = metrics.counter("x_total", "other help");
  CHECK(a == b);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) metrics.add(a, {{"k", "v"}}, 1, Clock::time_point{});
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(metrics.value("x_total", {{"k", "v"}}) == 4000);
  metrics.add(a, {{"k", "v"}}, -5, Clock::time_point{});  // counters never go down
  CHECK(metrics.value("x_total", {{"k", "v"}}) == 4000);
}

TEST_CASE("output stage") {
  Harness h(R"y(
- regex: {expression: 'msg="(?P<msg>[^"]*)"'}
- output: {source: msg}
)y");
  h.feed(R"(ts=1 msg="hello there")");
  h.feed("no msg");
  REQUIRE(h.out.size() == 2);
  CHECK(h.out[0].line == "hello there");
  CHECK(h.out[1].line == "no msg");
}

TEST_CASE("unsupported stages and options are listed and left out") {
  Harness h(R"(
- cri: {}
- json: {expressions: {a: b}}
- timestamp: {source: ts, format: RFC3339}
- drop: {older_than: 24h, expression: x}
- drop: {source: [a, b], separator: ";"}
- match: {selector: '{job="x"}', stages: []}
- static_labels: {env: test}
)");
  CHECK(h.unsupported == std::vector<std::string>{"cri", "json", "timestamp", "drop.older_than",
                                                  "drop.separator", "drop.source (list)", "match"});
  CHECK(h.pipeline->size() == 1);
  h.feed("x");
  REQUIRE(h.out.size() == 1);  // the drop stage with older_than was left out, not half-applied
  CHECK(h.out[0].labels == Labels{{"env", "test"}});
}

TEST_CASE("config errors name the line and the reason") {
  CHECK(buildError("- regex: {expression: 'a(?P<x>b)', sauce: x}") ==
        "line 1: regex: unknown key \"sauce\"");
  CHECK(buildError("- docker: {}\n- frobnicate: {}") ==
        "line 2: unknown pipeline stage \"frobnicate\"");
  CHECK(buildError("- regex: {expression: '(?P<x>'}").find("line 1: regex: expression: ") == 0);
  CHECK(buildError("- regex: {expression: 'abc'}").find("no named capture groups") !=
        std::string::npos);
  CHECK(buildError("- regex: {}").find("expression is required") != std::string::npos);
  CHECK(buildError("- docker: {}\n  regex: {}").find("exactly one stage") != std::string::npos);
  CHECK(buildError("docker: {}").find("expected a list") != std::string::npos);
  CHECK(buildError("- docker: {mode: x}").find("unknown key \"mode\"") != std::string::npos);
  CHECK(buildError("- labels: {'bad-name': x}").find("invalid label name") != std::string::npos);
  CHECK(buildError("- static_labels: {a: }").find("a value is required") != std::string::npos);
  CHECK(buildError("- drop: {}").find("at least one of") != std::string::npos);
  CHECK(buildError("- drop: {longer_than: 8 lightyears}").find("bad byte size") !=
        std::string::npos);
  CHECK(buildError("- drop: {value: x}").find("value needs a source") != std::string::npos);
  CHECK(buildError("- multiline: {max_lines: 3}").find("firstline is required") !=
        std::string::npos);
  CHECK(buildError("- multiline:\n    firstline: x\n    max_wait_time: soon") ==
        "line 3: multiline: max_wait_time: bad duration \"soon\"");
  CHECK(buildError("- multiline: {firstline: x, max_lines: 0}").find("positive integer") !=
        std::string::npos);
  CHECK(buildError("- output: {}").find("source is required") != std::string::npos);
  CHECK(buildError("- metrics: {m: {type: Counter, config: {action: set}}}").find("inc or add") !=
        std::string::npos);
  CHECK(buildError("- metrics: {m: {type: Summary, config: {action: inc}}}").find("unknown type") !=
        std::string::npos);
  CHECK(buildError("- metrics: {m: {config: {action: inc}}}").find("type is required") !=
        std::string::npos);
  CHECK(buildError(
            "- metrics: {m: {type: Counter, config: {match_all: true, value: x, action: inc}}}")
            .find("cannot both be set") != std::string::npos);
  CHECK(buildError(
            "- metrics: {m: {type: Counter, config: {match_all: true, count_entry_bytes: true, "
            "action: inc}}}")
            .find("count_entry_bytes") != std::string::npos);
  CHECK(buildError("- metrics: {m: {type: Counter, config: {action: inc, extra: 1}}}")
            .find("unknown key \"extra\"") != std::string::npos);
  CHECK(buildError("- metrics: {'bad-name': {type: Counter, config: {action: inc}}}")
            .find("invalid metric name") != std::string::npos);
  CHECK(buildError("- metrics: {m: {type: Counter, config: {match_all: maybe, action: inc}}}")
            .find("expected true or false") != std::string::npos);
}

TEST_CASE("config values: Go durations and byte sizes") {
  using config::parseBytes;
  using config::parseDuration;
  CHECK(parseDuration("3s") == std::chrono::seconds(3));
  CHECK(parseDuration("1m30s") == std::chrono::seconds(90));
  CHECK(parseDuration("500ms") == std::chrono::milliseconds(500));
  CHECK(parseDuration("1.5h") == std::chrono::minutes(90));
  CHECK(parseDuration("0") == std::chrono::nanoseconds(0));
  CHECK_FALSE(parseDuration("3"));
  CHECK_FALSE(parseDuration("s"));
  CHECK_FALSE(parseDuration("3 s"));
  CHECK_FALSE(parseDuration(""));
  CHECK(parseBytes("8KB") == 8000);
  CHECK(parseBytes("8KiB") == 8192);
  CHECK(parseBytes("8kb") == 8000);
  CHECK(parseBytes("1 MiB") == 1048576);
  CHECK(parseBytes("100") == 100);
  CHECK(parseBytes("2GB") == 2000000000ULL);
  CHECK_FALSE(parseBytes("KB"));
  CHECK_FALSE(parseBytes("8XB"));
}

TEST_CASE("goRegexToRe2 rewrites Go's (?<name>) groups only") {
  // Declared in stages.h, which tests do not include; checked through a stage.
  Harness h(R"(- regex: {expression: '\(?<x>(?<y>\d+)'})");
  h.feed("(<x>42");
  REQUIRE(h.out.size() == 1);
  CHECK(h.out[0].extracted.at("y") == "42");
}

TEST_CASE("docker stage: pipeline throughput (logged, not asserted)") {
  Harness h("- docker: {}");
  const std::string text =
      R"({"log":"192.0.2.1 - - [21/Nov/2026:10:19:53 +0000] \"GET /api/v1/items?page=2 HTTP/1.1\" 200 5120 \"-\" \"curl/8.4.0\" rt=0.012\n","stream":"stdout","time":"2026-11-21T10:19:53.259576290Z"})";
  constexpr int kLines = 200'000;
  std::size_t bytes = 0;
  Emit count = [&](LogEntry&& entry) { bytes += entry.line.size(); };
  const std::clock_t start = std::clock();
  for (int i = 0; i < kLines; ++i) {
    h.pipeline->process(LogEntry{0, text, kContainerA, {}, static_cast<std::uint64_t>(i)}, count);
  }
  const double seconds = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
  CHECK(bytes > 0);
  MESSAGE("docker stage (entry with labels, copy of the raw line included): "
          << static_cast<long>(kLines / seconds) << " lines/s");
}
