// libFuzzer target for the Docker json-file line parser and the partial-line
// joiner: no input may crash them or read out of bounds, and the joiner never
// holds more than its bounds. The input is split at newlines into lines.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "logline/docker_json.h"
#include "logline/partial.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  logline::PartialJoiner joiner(64);
  logline::DockerLine line;
  std::uint64_t cookie = 0;
  auto check = [&](logline::JoinedLine&& joined) {
    if (joined.log.size() > 64) __builtin_trap();
  };
  while (!text.empty()) {
    auto nl = text.find('\n');
    // Each line goes through as its own allocation, so ASan sees a read
    // past its end.
    std::string one(text.substr(0, nl));
    if (!logline::parseDockerLine(one, line)) {
      joiner.add(std::move(line), ++cookie, check);
      if (joiner.heldBytes() > 64 * logline::PartialJoiner::kMaxStreams) __builtin_trap();
    }
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  joiner.drain(check);
  (void)logline::parseRfc3339Nano(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
