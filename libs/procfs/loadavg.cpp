#include "procfs/loadavg.h"

namespace procfs {

Parsed<Loadavg> parseLoadavg(std::string_view text) {
  auto fields = splitFields(trim(text));
  if (fields.size() < 3) return unexpected(std::string("expected at least 3 fields"));
  auto one = parseDouble(fields[0]), five = parseDouble(fields[1]), fifteen = parseDouble(fields[2]);
  if (!one || !five || !fifteen) return unexpected(std::string("load values are not numbers"));
  return Loadavg{*one, *five, *fifteen};
}

}  // namespace procfs
