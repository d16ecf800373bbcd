#include "logline/docker_json.h"

#include <doctest/doctest.h>

#include <ctime>
#include <string>

using logline::parseDockerLine;
using logline::parseRfc3339Nano;

namespace {
constexpr std::int64_t kTime = 1795256393259576290;  // 2026-11-21T10:19:53.259576290Z
}

TEST_CASE("docker json: a plain stdout line") {
  auto line = parseDockerLine(
      R"({"log":"hello world\n","stream":"stdout","time":"2026-11-21T10:19:53.259576290Z"})");
  REQUIRE(line.ok());
  CHECK(line->log == "hello world");
  CHECK(line->stream == "stdout");
  CHECK(line->time_ns == kTime);
  CHECK_FALSE(line->partial);
}

TEST_CASE("docker json: any key order, whitespace, extra keys skipped") {
  auto line = parseDockerLine(
      R"( { "time" : "2026-11-21T10:19:53.259576290Z", "attrs": {"tag": "a\"}", "n": [1, {"x": null}], "b": true},)"
      R"( "stream":"stderr" , "extra": -1.5e3, "log" : "x\n" } )"
      "\n");
  REQUIRE(line.ok());
  CHECK(line->log == "x");
  CHECK(line->stream == "stderr");
  CHECK(line->time_ns == kTime);
}

TEST_CASE("docker json: escapes") {
  auto line = parseDockerLine(
      R"({"log":"a\tb \"q\" back\\slash \/ \b\f\r\u0041\u00e9\u20ac\n","stream":"stdout","time":"2026-11-21T10:19:53Z"})");
  REQUIRE(line.ok());
  CHECK(line->log == "a\tb \"q\" back\\slash / \b\f\rA\u00e9\u20ac");
}

TEST_CASE("docker json: surrogate pairs and lone surrogates") {
  auto pair = parseDockerLine(R"({"log":"\ud83d\ude00!\n","time":"2026-11-21T10:19:53Z"})");
  REQUIRE(pair.ok());
  CHECK(pair->log == "\xF0\x9F\x98\x80!");
  auto lone_high = parseDockerLine(R"({"log":"\ud83dx\n","time":"2026-11-21T10:19:53Z"})");
  REQUIRE(lone_high.ok());
  CHECK(lone_high->log == "\xEF\xBF\xBDx");
  auto high_then_other =
      parseDockerLine(R"({"log":"\ud83d\u0041\n","time":"2026-11-21T10:19:53Z"})");
  REQUIRE(high_then_other.ok());
  CHECK(high_then_other->log ==
        "\xEF\xBF\xBD"
        "A");
  auto lone_low = parseDockerLine(R"({"log":"\ude00\n","time":"2026-11-21T10:19:53Z"})");
  REQUIRE(lone_low.ok());
  CHECK(lone_low->log == "\xEF\xBF\xBD");
  // Raw UTF-8 passes through untouched.
  auto raw = parseDockerLine("{\"log\":\"caf\xC3\xA9\\n\",\"time\":\"2026-11-21T10:19:53Z\"}");
  REQUIRE(raw.ok());
  CHECK(raw->log == "caf\xC3\xA9");
}

TEST_CASE("docker json: partial chunks lack the newline; only one newline is stripped") {
  auto partial =
      parseDockerLine(R"({"log":"chunk","stream":"stdout","time":"2026-11-21T10:19:53Z"})");
  REQUIRE(partial.ok());
  CHECK(partial->partial);
  CHECK(partial->log == "chunk");
  auto two = parseDockerLine(R"({"log":"a\n\n","stream":"stdout","time":"2026-11-21T10:19:53Z"})");
  REQUIRE(two.ok());
  CHECK_FALSE(two->partial);
  CHECK(two->log == "a\n");
  auto empty = parseDockerLine(R"({"log":"\n","stream":"stdout","time":"2026-11-21T10:19:53Z"})");
  REQUIRE(empty.ok());
  CHECK(empty->log.empty());
  CHECK_FALSE(empty->partial);
  auto crlf = parseDockerLine(R"({"log":"w\r\n","stream":"stdout","time":"2026-11-21T10:19:53Z"})");
  REQUIRE(crlf.ok());
  CHECK(crlf->log == "w\r");
}

TEST_CASE("docker json: malformed lines are errors, never crashes") {
  for (std::string bad : {
           "",
           " ",
           "{",
           "}",
           "[]",
           "null",
           "{\"log\":\"x\\n\"}",                                  // no time
           R"({"time":"2026-11-21T10:19:53Z"})",                  // no log
           R"({"log":"x\n","time":"2026-11-21T10:19:53Z")",       // unterminated
           R"({"log":"x\n","time":"2026-11-21T10:19:53Z"} x)",    // trailing data
           R"({"log":"x\n" "time":"2026-11-21T10:19:53Z"})",      // missing comma
           R"({"log":"x\n","time":"2026-11-21T10:19:53Z",})",     // trailing comma
           R"({"log":"x\q","time":"2026-11-21T10:19:53Z"})",      // bad escape
           R"({"log":"x\u12","time":"2026-11-21T10:19:53Z"})",    // short \u
           R"({"log":"x\u12g4","time":"2026-11-21T10:19:53Z"})",  // bad hex
           R"({"log":"x\)",                                       // escape at end
           R"({"log":1,"time":"2026-11-21T10:19:53Z"})",          // not a string
           R"({"log":"x\n","time":"yesterday"})",                 // bad time
           R"({"log":"x\n","time":"2026-13-21T10:19:53Z"})",      // bad month
           R"({"log":"x\n","time":"2026-11-21T10:19:53"})",       // no zone
           R"({"log":"x\n","time":"2026-11-21T10:19:53.Z"})",     // empty fraction
           R"({"log":"x\n","attrs":{"a":[1,2},"time":"2026-11-21T10:19:53Z"})",
           R"({"log":"x\n","attrs":{"a":"unterminated)",
           R"({"log":"x\n","attrs":,"time":"2026-11-21T10:19:53Z"})",
       }) {
    CAPTURE(bad);
    auto line = parseDockerLine(bad);
    CHECK_FALSE(line.ok());
    if (!line.ok()) CHECK_FALSE(line.error().empty());
  }
  std::string deep = R"({"log":"x\n","time":"2026-11-21T10:19:53Z","a":)" + std::string(1000, '[');
  CHECK_FALSE(parseDockerLine(deep).ok());
}

TEST_CASE("docker json: every prefix of a valid line is rejected cleanly") {
  const std::string full =
      R"({"log":"a\u00e9\ud83d\ude00\n","stream":"stdout","attrs":{"k":"v"},"time":"2026-11-21T10:19:53.1Z"})";
  for (std::size_t n = 0; n < full.size(); ++n) {
    // A copy of exactly n bytes, so a read past the end shows up under ASan.
    std::string prefix = full.substr(0, n);
    CHECK_FALSE(parseDockerLine(prefix).ok());
  }
  CHECK(parseDockerLine(full).ok());
}

TEST_CASE("docker json: reusing the output keeps the fields right") {
  logline::DockerLine line;
  REQUIRE_FALSE(parseDockerLine(
      R"({"log":"long text here\n","stream":"stderr","time":"2026-11-21T10:19:53Z"})", line));
  REQUIRE_FALSE(parseDockerLine(R"({"log":"b","time":"2026-11-21T10:19:54Z"})", line));
  CHECK(line.log == "b");
  CHECK(line.stream.empty());
  CHECK(line.partial);
}

TEST_CASE("rfc3339: fractions, offsets, epoch") {
  CHECK(parseRfc3339Nano("1970-01-01T00:00:00Z") == 0);
  CHECK(parseRfc3339Nano("1970-01-01T00:00:01.5Z") == 1'500'000'000);
  CHECK(parseRfc3339Nano("2026-11-21T10:19:53.259576290Z") == kTime);
  CHECK(parseRfc3339Nano("2026-11-21T12:19:53.259576290+02:00") == kTime);
  CHECK(parseRfc3339Nano("2026-11-21T09:19:53.259576290-01:00") == kTime);
  // More than 9 fraction digits are cut, not rounded.
  CHECK(parseRfc3339Nano("1970-01-01T00:00:00.0000000019Z") == 1);
  CHECK(parseRfc3339Nano("2000-02-29T00:00:00Z") == 951782400LL * 1'000'000'000);
  CHECK(parseRfc3339Nano("2262-01-01T00:00:00Z") == 9'214'646'400LL * 1'000'000'000);
  CHECK_FALSE(parseRfc3339Nano("9999-11-21T10:19:53Z"));  // past int64 nanoseconds
  CHECK_FALSE(parseRfc3339Nano("2026-11-21 10:19:53Z"));
  CHECK_FALSE(parseRfc3339Nano("2026-11-21T10:19:53+0200"));
  CHECK_FALSE(parseRfc3339Nano("2026-11-21T10:19:53ZZ"));
}

TEST_CASE("docker json: throughput (logged, not asserted)") {
  // A typical 200-byte line: an access log with a couple of escapes.
  const std::string text =
      R"({"log":"192.0.2.1 - - [21/Nov/2026:10:19:53 +0000] \"GET /api/v1/items?page=2 HTTP/1.1\" 200 5120 \"-\" \"curl/8.4.0\" rt=0.012\n","stream":"stdout","time":"2026-11-21T10:19:53.259576290Z"})";
  logline::DockerLine line;
  constexpr int kLines = 300'000;
  std::size_t total = 0;
  // CPU time rather than wall time: a rate per core, whatever else the
  // machine is running.
  const std::clock_t start = std::clock();
  for (int i = 0; i < kLines; ++i) {
    if (!parseDockerLine(text, line)) total += line.log.size();
  }
  const double seconds = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
  CHECK(total > 0);
  MESSAGE("parseDockerLine: " << static_cast<long>(kLines / seconds) << " lines/s, "
                              << static_cast<long>(kLines * text.size() / seconds / 1e6)
                              << " MB/s for " << text.size() << "-byte lines");
}
