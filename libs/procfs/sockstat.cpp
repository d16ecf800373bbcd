#include "procfs/sockstat.h"

namespace procfs {

Parsed<Sockstat> parseSockstat(std::string_view text) {
  Sockstat stat;
  auto error = checkEachLine(text, [&](std::string_view line) -> LineError {
    if (trim(line).empty()) return {};
    auto fields = splitFields(line);
    if (fields.size() < 3) return "expected a protocol and key/value pairs";
    if ((fields.size() - 1) % 2 != 0) return "odd number of fields in key/value pairs";
    std::string_view protocol = fields[0];
    if (protocol.back() == ':') protocol.remove_suffix(1);
    SockstatProtocol entry{.protocol = std::string(protocol)};
    std::optional<std::int64_t> used;
    for (std::size_t i = 1; i + 1 < fields.size(); i += 2) {
      auto value = parseI64(fields[i + 1]);
      if (!value) return "value \"" + std::string(fields[i + 1]) + "\" is not an integer";
      std::string_view key = fields[i];
      if (key == "used")
        used = *value;
      else if (key == "inuse")
        entry.inuse = *value;
      else if (key == "orphan")
        entry.orphan = *value;
      else if (key == "tw")
        entry.tw = *value;
      else if (key == "alloc")
        entry.alloc = *value;
      else if (key == "mem")
        entry.mem = *value;
      else if (key == "memory")
        entry.memory = *value;
    }
    if (protocol == "sockets") {
      stat.sockets_used = used.value_or(0);
    } else {
      stat.protocols.push_back(std::move(entry));
    }
    return {};
  });
  if (error) return unexpected(std::move(*error));
  return stat;
}

}  // namespace procfs
