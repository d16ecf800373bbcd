// libFuzzer target: every pure /proc and /sys parser gets the same input.
// None may crash, hang or read out of bounds, whatever the bytes.

#include "procfs/loadavg.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)procfs::parseLoadavg(text);
  return 0;
}
