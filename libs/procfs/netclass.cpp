#include "procfs/netclass.h"

#include <array>
#include <limits>

namespace procfs {
namespace {

constexpr std::array<std::string_view, 22> kAttributes = {"addr_assign_type",
                                                          "address",
                                                          "broadcast",
                                                          "carrier",
                                                          "carrier_changes",
                                                          "carrier_down_count",
                                                          "carrier_up_count",
                                                          "dev_id",
                                                          "dormant",
                                                          "duplex",
                                                          "flags",
                                                          "ifalias",
                                                          "ifindex",
                                                          "iflink",
                                                          "link_mode",
                                                          "mtu",
                                                          "name_assign_type",
                                                          "netdev_group",
                                                          "operstate",
                                                          "speed",
                                                          "tx_queue_len",
                                                          "type"};

std::string_view trimSpace(std::string_view text) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
  };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace

std::span<const std::string_view> netClassAttributes() { return kAttributes; }

std::optional<std::int64_t> parseBase0Integer(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  int base = 10;
  if (text.size() >= 2 && text[0] == '0') {
    const char prefix = static_cast<char>(text[1] | 0x20);
    if (prefix == 'x' || prefix == 'b' || prefix == 'o') {
      base = prefix == 'x' ? 16 : prefix == 'b' ? 2 : 8;
      text.remove_prefix(2);
    } else {
      base = 8;  // a bare leading 0 means octal
      text.remove_prefix(1);
    }
  }
  // Go also allows '_' between digits with base 0; sysfs never writes one.
  auto magnitude = parseInteger<std::uint64_t>(text, base);
  if (!magnitude) return std::nullopt;
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (negative) {
    if (*magnitude > kMax + 1) return std::nullopt;
    return static_cast<std::int64_t>(0 - *magnitude);
  }
  if (*magnitude > kMax) return std::nullopt;
  return static_cast<std::int64_t>(*magnitude);
}

void setNetClassAttribute(NetClassIface& iface, std::string_view attribute, std::string_view text) {
  std::string_view value = trimSpace(text);
  auto number = [&] { return parseBase0Integer(value).value_or(0); };
  if (attribute == "address")
    iface.address = value;
  else if (attribute == "broadcast")
    iface.broadcast = value;
  else if (attribute == "duplex")
    iface.duplex = value;
  else if (attribute == "ifalias")
    iface.ifalias = value;
  else if (attribute == "operstate")
    iface.operstate = value;
  else if (attribute == "addr_assign_type")
    iface.addr_assign_type = number();
  else if (attribute == "carrier")
    iface.carrier = number();
  else if (attribute == "carrier_changes")
    iface.carrier_changes = number();
  else if (attribute == "carrier_up_count")
    iface.carrier_up_count = number();
  else if (attribute == "carrier_down_count")
    iface.carrier_down_count = number();
  else if (attribute == "dev_id")
    iface.dev_id = number();
  else if (attribute == "dormant")
    iface.dormant = number();
  else if (attribute == "flags")
    iface.flags = number();
  else if (attribute == "ifindex")
    iface.ifindex = number();
  else if (attribute == "iflink")
    iface.iflink = number();
  else if (attribute == "link_mode")
    iface.link_mode = number();
  else if (attribute == "mtu")
    iface.mtu = number();
  else if (attribute == "name_assign_type")
    iface.name_assign_type = number();
  else if (attribute == "netdev_group")
    iface.netdev_group = number();
  else if (attribute == "speed")
    iface.speed = number();
  else if (attribute == "tx_queue_len")
    iface.tx_queue_len = number();
  else if (attribute == "type")
    iface.type = number();
}

}  // namespace procfs
