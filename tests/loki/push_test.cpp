#include "loki/push.h"

#include <doctest/doctest.h>
#include <snappy.h>

#include "loki/push.pb.h"

namespace {

std::vector<loki::Stream> sampleStreams() {
  return {
      {R"({host="a", job="varlogs"})",
       {{1700000000123456789, "first line"},
        {1700000001000000000, ""},                       // empty line, whole second
        {0, "at the epoch"},                             // empty Timestamp message
        {-1500000000, "before the epoch"},               // seconds -2, nanos 500000000
        {1700000002000000001, std::string(300, 'x')}}},  // multi-byte length prefix
      {"", {{5, "no labels"}}},
      {R"({job="empty"})", {}},
  };
}

}  // namespace

TEST_CASE("encodePushRequest: the generated parser reads back every field") {
  auto streams = sampleStreams();
  std::string bytes = loki::encodePushRequest(streams);
  logproto::PushRequest request;
  REQUIRE(request.ParseFromString(bytes));
  REQUIRE(request.streams_size() == static_cast<int>(streams.size()));
  for (int s = 0; s < request.streams_size(); ++s) {
    const auto& parsed = request.streams(s);
    const auto& want = streams[s];
    CHECK(parsed.labels() == want.labels);
    CHECK(parsed.hash() == 0);
    REQUIRE(parsed.entries_size() == static_cast<int>(want.entries.size()));
    for (int e = 0; e < parsed.entries_size(); ++e) {
      const auto& entry = parsed.entries(e);
      CHECK(entry.has_timestamp());
      CHECK(entry.timestamp().nanos() >= 0);
      CHECK(entry.timestamp().nanos() < 1000000000);
      CHECK(entry.timestamp().seconds() * 1000000000 + entry.timestamp().nanos() ==
            want.entries[e].timestamp_ns);
      CHECK(entry.line() == want.entries[e].line);
      CHECK(entry.structuredmetadata_size() == 0);
    }
  }
  CHECK(request.streams(0).entries(0).timestamp().seconds() == 1700000000);
  CHECK(request.streams(0).entries(0).timestamp().nanos() == 123456789);
  CHECK(request.streams(0).entries(3).timestamp().seconds() == -2);
  CHECK(request.streams(0).entries(3).timestamp().nanos() == 500000000);
}

TEST_CASE("encodePushRequest: byte for byte what the generated serializer writes") {
  auto streams = sampleStreams();
  logproto::PushRequest request;
  for (const auto& stream : streams) {
    auto* s = request.add_streams();
    s->set_labels(stream.labels);
    for (const auto& entry : stream.entries) {
      auto* e = s->add_entries();
      std::int64_t seconds = entry.timestamp_ns / 1000000000,
                   nanos = entry.timestamp_ns % 1000000000;
      if (nanos < 0) nanos += 1000000000, --seconds;
      e->mutable_timestamp()->set_seconds(seconds);
      e->mutable_timestamp()->set_nanos(static_cast<std::int32_t>(nanos));
      e->set_line(entry.line);
    }
  }
  CHECK(loki::encodePushRequest(streams) == request.SerializeAsString());
  CHECK(loki::encodePushRequest({}).empty());
}

TEST_CASE("encodePushRequest: a reused buffer is cleared, not appended to") {
  std::string buffer;
  loki::encodePushRequest(sampleStreams(), buffer);
  std::string first = buffer;
  loki::encodePushRequest(sampleStreams(), buffer);
  CHECK(buffer == first);
}

TEST_CASE("compressedPushBody: snappy block format round trip") {
  auto streams = sampleStreams();
  std::string body = loki::compressedPushBody(streams);
  std::string raw;
  REQUIRE(snappy::Uncompress(body.data(), body.size(), &raw));
  CHECK(raw == loki::encodePushRequest(streams));
  CHECK(body.size() < raw.size());  // 300 x's compress

  std::string scratch, out;
  loki::compressedPushBody(streams, scratch, out);
  CHECK(out == body);
  CHECK(scratch == raw);
}

TEST_CASE("labelsText: {a=\"b\", c=\"d\"} with Go-quoted values") {
  CHECK(loki::labelsText({}) == "{}");
  CHECK(loki::labelsText({{"a", "b"}, {"c", "d"}}) == R"({a="b", c="d"})");
  CHECK(loki::labelsText({{"path", R"(C:\logs\"x".log)"}}) == R"({path="C:\\logs\\\"x\".log"})");
  CHECK(loki::labelsText({{"v", "tab\there\nnl\r\a\b\f\v"}}) == R"({v="tab\there\nnl\r\a\b\f\v"})");
  CHECK(loki::labelsText({{"v", std::string("nul\0esc\x1b del\x7f", 13)}}) ==
        R"({v="nul\x00esc\x1b del\x7f"})");
  // Valid UTF-8 passes through; a broken sequence is escaped byte by byte.
  CHECK(loki::labelsText({{"v", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x98"}}) ==
        "{v=\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x98\"}");
  CHECK(loki::labelsText({{"v", "bad\xff\xc3(\xed\xa0\x80"}}) ==
        R"({v="bad\xff\xc3(\xed\xa0\x80"})");
  CHECK(loki::labelsText({{"v", ""}}) == R"({v=""})");
}
