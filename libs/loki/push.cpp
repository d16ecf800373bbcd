#include "loki/push.h"

#include <snappy.h>

#include <cstddef>
#include <string_view>

#include "loki/push.pb.h"

namespace loki {
namespace {

enum WireType : std::uint32_t { kVarint = 0, kLengthDelimited = 2 };

constexpr std::uint32_t tag(int field, WireType type) {
  return (static_cast<std::uint32_t>(field) << 3) | type;
}

constexpr std::uint32_t kStreamsTag =
    tag(logproto::PushRequest::kStreamsFieldNumber, kLengthDelimited);
constexpr std::uint32_t kLabelsTag =
    tag(logproto::StreamAdapter::kLabelsFieldNumber, kLengthDelimited);
constexpr std::uint32_t kEntriesTag =
    tag(logproto::StreamAdapter::kEntriesFieldNumber, kLengthDelimited);
constexpr std::uint32_t kTimestampTag =
    tag(logproto::EntryAdapter::kTimestampFieldNumber, kLengthDelimited);
constexpr std::uint32_t kLineTag = tag(logproto::EntryAdapter::kLineFieldNumber, kLengthDelimited);
constexpr std::uint32_t kSecondsTag = tag(logproto::Timestamp::kSecondsFieldNumber, kVarint);
constexpr std::uint32_t kNanosTag = tag(logproto::Timestamp::kNanosFieldNumber, kVarint);

std::size_t varintSize(std::uint64_t value) {
  std::size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

void putVarint(std::string& out, std::uint64_t value) {
  char buffer[10];
  std::size_t n = 0;
  while (value >= 0x80) {
    buffer[n++] = static_cast<char>(value | 0x80);
    value >>= 7;
  }
  buffer[n++] = static_cast<char>(value);
  out.append(buffer, n);
}

// Tag, length, bytes; proto3 leaves empty strings out.
std::size_t stringFieldSize(std::uint32_t field_tag, std::size_t length) {
  return length == 0 ? 0 : varintSize(field_tag) + varintSize(length) + length;
}
void putStringField(std::string& out, std::uint32_t field_tag, std::string_view text) {
  if (text.empty()) return;
  putVarint(out, field_tag);
  putVarint(out, text.size());
  out.append(text);
}

struct SplitTime {
  std::int64_t seconds;
  std::int32_t nanos;  // always 0..999999999, as Timestamp requires
};
SplitTime splitTime(std::int64_t timestamp_ns) {
  std::int64_t seconds = timestamp_ns / 1000000000;
  std::int64_t nanos = timestamp_ns % 1000000000;
  if (nanos < 0) {
    nanos += 1000000000;
    --seconds;
  }
  return {seconds, static_cast<std::int32_t>(nanos)};
}

// int64 and int32 are varints of their two's complement (10 bytes if negative).
std::size_t timestampSize(SplitTime t) {
  std::size_t size = 0;
  if (t.seconds != 0)
    size += varintSize(kSecondsTag) + varintSize(static_cast<std::uint64_t>(t.seconds));
  if (t.nanos != 0) size += varintSize(kNanosTag) + varintSize(static_cast<std::uint64_t>(t.nanos));
  return size;
}

std::size_t entrySize(const Entry& entry, SplitTime t) {
  std::size_t ts = timestampSize(t);
  // The timestamp message is written even when empty: a set message field is
  // always present, as the generated serializer does.
  return varintSize(kTimestampTag) + varintSize(ts) + ts +
         stringFieldSize(kLineTag, entry.line.size());
}

std::size_t streamSize(const Stream& stream) {
  std::size_t size = stringFieldSize(kLabelsTag, stream.labels.size());
  for (const Entry& entry : stream.entries) {
    std::size_t e = entrySize(entry, splitTime(entry.timestamp_ns));
    size += varintSize(kEntriesTag) + varintSize(e) + e;
  }
  return size;
}

}  // namespace

void encodePushRequest(const std::vector<Stream>& streams, std::string& out) {
  out.clear();
  // Two passes: sizes first (length prefixes come before the bytes), so the
  // buffer is reserved once and nothing is built and copied.
  std::size_t total = 0;
  std::vector<std::size_t> stream_sizes;
  stream_sizes.reserve(streams.size());
  for (const Stream& stream : streams) {
    std::size_t s = streamSize(stream);
    stream_sizes.push_back(s);
    total += varintSize(kStreamsTag) + varintSize(s) + s;
  }
  out.reserve(total);
  for (std::size_t i = 0; i < streams.size(); ++i) {
    const Stream& stream = streams[i];
    putVarint(out, kStreamsTag);
    putVarint(out, stream_sizes[i]);
    putStringField(out, kLabelsTag, stream.labels);
    for (const Entry& entry : stream.entries) {
      SplitTime t = splitTime(entry.timestamp_ns);
      putVarint(out, kEntriesTag);
      putVarint(out, entrySize(entry, t));
      putVarint(out, kTimestampTag);
      putVarint(out, timestampSize(t));
      if (t.seconds != 0) {
        putVarint(out, kSecondsTag);
        putVarint(out, static_cast<std::uint64_t>(t.seconds));
      }
      if (t.nanos != 0) {
        putVarint(out, kNanosTag);
        putVarint(out, static_cast<std::uint64_t>(t.nanos));
      }
      putStringField(out, kLineTag, entry.line);
    }
  }
}

std::string encodePushRequest(const std::vector<Stream>& streams) {
  std::string out;
  encodePushRequest(streams, out);
  return out;
}

void snappyCompress(const std::string& raw, std::string& out) {
  // RawCompress into a buffer sized for the worst case, then trim: no
  // temporary, and `out` keeps its capacity for the next batch.
  out.resize(snappy::MaxCompressedLength(raw.size()));
  std::size_t length = 0;
  snappy::RawCompress(raw.data(), raw.size(), out.data(), &length);
  out.resize(length);
}

void compressedPushBody(const std::vector<Stream>& streams, std::string& scratch,
                        std::string& out) {
  encodePushRequest(streams, scratch);
  snappyCompress(scratch, out);
}

std::string compressedPushBody(const std::vector<Stream>& streams) {
  std::string scratch, out;
  compressedPushBody(streams, scratch, out);
  return out;
}

void appendGoQuoted(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      // Valid UTF-8 passes through as Go keeps printable runes; an invalid
      // byte becomes \x.. as strconv.Quote writes it.
      std::size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
      bool valid = length != 0 && i + length <= text.size();
      for (std::size_t k = 1; valid && k < length; ++k)
        valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
      if (valid && length == 3) {
        unsigned char c1 = static_cast<unsigned char>(text[i + 1]);
        valid = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);  // overlong, surrogate
      } else if (valid && length == 4) {
        unsigned char c1 = static_cast<unsigned char>(text[i + 1]);
        valid = c <= 0xF4 && !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
      }
      if (valid) {
        out.append(text.substr(i, length));
        i += length;
      } else {
        out.append("\\x");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
        ++i;
      }
      continue;
    }
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\a':
        out.append("\\a");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\v':
        out.append("\\v");
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out.append("\\x");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

std::string labelsText(const std::vector<std::pair<std::string, std::string>>& labels) {
  std::size_t size = 2;
  for (const auto& [name, value] : labels) size += name.size() + value.size() + 5;
  std::string out;
  out.reserve(size);
  out.push_back('{');
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out.append(", ");
    first = false;
    out.append(name);
    out.push_back('=');
    appendGoQuoted(out, value);
  }
  out.push_back('}');
  return out;
}

}  // namespace loki
