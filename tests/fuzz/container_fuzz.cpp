// libFuzzer target for what the container exporter parses from outside: the
// cgroup file formats, Docker's HTTP responses and its JSON answers. The
// first byte picks the parser, the rest is the input. None may crash, hang or
// read out of bounds, whatever the bytes.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cgroups/parse.h"
#include "docker/api.h"
#include "docker/unix_http.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 11) {
    case 0:
      (void)cgroups::parseFlatKeyed(text);
      break;
    case 1:
      (void)cgroups::parseValue(text);
      break;
    case 2:
      (void)cgroups::parseLimit(text);
      break;
    case 3:
      (void)cgroups::parseCpuMax(text);
      break;
    case 4:
      (void)cgroups::parseIoStat(text);
      break;
    case 5:
      (void)cgroups::parseBlkio(text);
      break;
    case 6:
      (void)docker::parseInspect(text);
      break;
    case 7:
      (void)docker::parseEvent(text);
      break;
    case 8:
      (void)docker::parseContainerIds(text);
      (void)docker::parseInfo(text);
      break;
    case 9:
      (void)docker::parseTimestamp(text);
      (void)docker::parseVersion(text);
      break;
    case 10: {
      // A response fed in two pieces, split where the second byte says.
      docker::ResponseParser parser(4096);
      std::size_t split = text.empty() ? 0 : static_cast<std::uint8_t>(text[0]) % text.size();
      auto ignore = [](std::string_view) {};
      if (parser.feed(text.substr(0, split), ignore)) {
        if (parser.feed(text.substr(split), ignore)) (void)parser.finish();
      }
      break;
    }
  }
  return 0;
}
