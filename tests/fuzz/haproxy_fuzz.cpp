// libFuzzer target for tern-haproxy's parsers of HAProxy's answers: the
// stats CSV (`show stat`, the stats page) and `show info`. No input may crash
// them or read out of bounds.

#include <cstddef>
#include <cstdint>
#include <string>

#include "haproxy/show_info.h"
#include "haproxy/stats_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // An allocation of exactly the input, so ASan sees a read past its end.
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)haproxy::parseStatCsv(text);
  (void)haproxy::parseShowInfo(text);
  return 0;
}
