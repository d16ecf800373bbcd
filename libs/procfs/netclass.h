#pragma once
// /sys/class/net/<iface>/<attribute>: one value per file. The collector reads
// the files; this turns their text into the fields node_exporter 1.5 exposes.

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "procfs/text.h"

namespace procfs {

struct NetClassIface {
  std::string name;
  std::string address, broadcast, duplex, ifalias, operstate;
  std::optional<std::int64_t> addr_assign_type, carrier, carrier_changes, carrier_up_count,
      carrier_down_count, dev_id, dormant, flags, ifindex, iflink, link_mode, mtu, name_assign_type,
      netdev_group, speed, tx_queue_len, type;
};

// The attribute files the netclass collector reads (NUL-terminated views).
std::span<const std::string_view> netClassAttributes();

// Stores one attribute's file text in `iface`; unknown names are ignored.
// Surrounding white space is dropped. Numbers follow Go's base-0 rules ("0x1003"
// is hex, "010" octal); text that is no number becomes 0, as prometheus/procfs's
// ValueParser does in node_exporter 1.5.
void setNetClassAttribute(NetClassIface& iface, std::string_view attribute, std::string_view text);

// An integer as Go's strconv.ParseInt(text, 0, 64) reads it.
std::optional<std::int64_t> parseBase0Integer(std::string_view text);

}  // namespace procfs
