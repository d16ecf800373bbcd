#include "procfs/netdev.h"

namespace procfs {
namespace {

constexpr std::size_t kCounters = 16;

}  // namespace

Parsed<std::vector<NetDevLine>> parseNetDev(std::string_view text) {
  std::vector<NetDevLine> lines;
  auto error = checkEachLine(text, [&](std::string_view line, std::size_t number) -> LineError {
    if (number <= 2) return {};  // two header lines
    if (trim(line).empty()) return {};
    // The last colon: the counters never hold one, a name might.
    auto colon = line.rfind(':');
    if (colon == std::string_view::npos) {
      return "missing colon";
    }
    NetDevLine dev;
    dev.name = std::string(trim(line.substr(0, colon)));
    if (dev.name.empty()) {
      return "empty interface name";
    }
    auto fields = splitFields(line.substr(colon + 1));
    if (fields.size() < kCounters) {
      return "expected 16 counters, got " + std::to_string(fields.size());
    }
    std::uint64_t* targets[kCounters] = {
        &dev.receive_bytes,      &dev.receive_packets,     &dev.receive_errors,
        &dev.receive_dropped,    &dev.receive_fifo,        &dev.receive_frame,
        &dev.receive_compressed, &dev.receive_multicast,   &dev.transmit_bytes,
        &dev.transmit_packets,   &dev.transmit_errors,     &dev.transmit_dropped,
        &dev.transmit_fifo,      &dev.transmit_collisions, &dev.transmit_carrier,
        &dev.transmit_compressed};
    for (std::size_t i = 0; i < kCounters; ++i) {
      auto value = parseU64(fields[i]);
      if (!value) {
        return "counter \"" + std::string(fields[i]) + "\" is not a number";
      }
      *targets[i] = *value;
    }
    lines.push_back(std::move(dev));
    return {};
  });
  if (error) return unexpected(std::move(*error));
  return lines;
}

}  // namespace procfs
