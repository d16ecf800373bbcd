// libFuzzer target for libs/http1's response parser and URL handling: no
// input may crash them, the kept body never exceeds its bound, and feeding a
// response in pieces gives the same result as feeding it whole. The first
// byte chooses the piece size and whether the request was HEAD.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http1/response.h"
#include "http1/url.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t step = 1 + data[0] % 64;
  const bool head = (data[0] & 0x80) != 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  constexpr std::size_t kMaxBody = 256;

  http1::ResponseParser pieces(head, kMaxBody);
  bool failed = false;
  for (std::size_t i = 0; i < text.size() && !pieces.complete(); i += step) {
    // Each piece its own allocation, so ASan sees a read past its end.
    const std::string piece(text.substr(i, step));
    if (!pieces.feed(piece)) {
      failed = true;
      break;
    }
  }
  http1::ResponseParser whole(head, kMaxBody);
  const bool whole_failed = !whole.feed(std::string(text));
  if (failed != whole_failed) __builtin_trap();
  if (!failed) {
    auto a = pieces.finish();
    auto b = whole.finish();
    if (a.ok() != b.ok()) __builtin_trap();
    if (a.ok()) {
      if (a->body.size() > kMaxBody || a->body != b->body || a->status != b->status ||
          a->body_bytes != b->body_bytes)
        __builtin_trap();
    }
  }

  const std::string_view line = text.substr(0, text.find('\n'));
  (void)http1::redactPassword(line);
  if (auto url = http1::parseUrl(line)) {
    (void)url->describe();
    const std::string_view rest = text.substr(line.size());
    if (auto next = http1::resolveLocation(*url, rest.substr(0, rest.find('\r'))))
      (void)next->authority();
  }
  return 0;
}
