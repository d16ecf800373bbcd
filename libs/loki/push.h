#pragma once
// Loki's push body: logproto.PushRequest (libs/loki/push.proto) serialized,
// then snappy-compressed (block format). Pure functions, no network.
//
// The bytes are written directly rather than through the generated classes:
// building a PushRequest object costs an allocation or three per entry and a
// copy of every line, at 150k lines/s. The field numbers come from the
// generated header, so push.proto stays the one place they are written, and
// the tests parse the output back with the generated classes.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loki {

struct Entry {
  std::int64_t timestamp_ns;  // since the Unix epoch
  std::string line;           // without the trailing newline
};

struct Stream {
  std::string labels;  // label text, see labelsText()
  std::vector<Entry> entries;
};

// Serialized logproto.PushRequest. The `out` overloads reuse the caller's
// buffer (cleared first), so a batcher that keeps one allocates only when a
// batch is larger than any before it.
std::string encodePushRequest(const std::vector<Stream>& streams);
void encodePushRequest(const std::vector<Stream>& streams, std::string& out);

// Snappy (block format) of the encoded request: the body of POST /loki/api/v1/push.
std::string compressedPushBody(const std::vector<Stream>& streams);
// Same, with caller-owned buffers: `scratch` holds the uncompressed bytes.
void compressedPushBody(const std::vector<Stream>& streams, std::string& scratch, std::string& out);
// Snappy of bytes already encoded.
void snappyCompress(const std::string& raw, std::string& out);

// {a="b", c="d"} from labels sorted by name; values quoted as Go's
// strconv.Quote does for ASCII and invalid UTF-8 (\n, \", \x00, \xff, ...).
// Valid multi-byte UTF-8 is kept as is, even where Go would write \u00a0 for a
// non-printable rune: Loki's label parser reads both the same. Names are
// written as given: callers only pass valid label names.
std::string labelsText(const std::vector<std::pair<std::string, std::string>>& labels);
// Appends a Go-quoted string, quotes included, to `out`.
void appendGoQuoted(std::string& out, std::string_view text);

}  // namespace loki
