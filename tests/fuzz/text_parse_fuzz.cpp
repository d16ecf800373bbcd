// libFuzzer target for the text-format parser: no input may crash it, and
// whatever it accepts must render and parse again without crashing.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/text_format.h"
#include "runtime/text_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = runtime::parseTextFormat(text);
  if (!parsed) {
    if (parsed.error().line == 0) __builtin_trap();  // errors always name a line
    return 0;
  }
  std::string rendered;
  runtime::writeTextFormat(parsed->families, rendered);
  (void)runtime::parseTextFormat(rendered);
  return 0;
}
