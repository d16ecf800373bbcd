#include "procfs/netdev.h"

namespace procfs {
namespace {

constexpr std::size_t kCounters = 16;

std::string lineError(std::size_t number, std::string_view what) {
  return "line " + std::to_string(number) + ": " + std::string(what);
}

}  // namespace

Parsed<std::vector<NetDevLine>> parseNetDev(std::string_view text) {
  std::vector<NetDevLine> lines;
  std::string error;
  std::size_t number = 0;
  forEachLine(text, [&](std::string_view line) {
    ++number;
    if (!error.empty() || number <= 2) return;  // two header lines
    if (trim(line).empty()) return;
    // The last colon: the counters never hold one, a name might.
    auto colon = line.rfind(':');
    if (colon == std::string_view::npos) {
      error = lineError(number, "missing colon");
      return;
    }
    NetDevLine dev;
    dev.name = std::string(trim(line.substr(0, colon)));
    if (dev.name.empty()) {
      error = lineError(number, "empty interface name");
      return;
    }
    auto fields = splitFields(line.substr(colon + 1));
    if (fields.size() < kCounters) {
      error = lineError(number, "expected 16 counters, got " + std::to_string(fields.size()));
      return;
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
        error = lineError(number, "counter \"" + std::string(fields[i]) + "\" is not a number");
        return;
      }
      *targets[i] = *value;
    }
    lines.push_back(std::move(dev));
  });
  if (!error.empty()) return unexpected(std::move(error));
  return lines;
}

}  // namespace procfs
