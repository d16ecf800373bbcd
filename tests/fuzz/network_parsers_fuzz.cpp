// Every parser of the network collectors on arbitrary bytes: no crash, no
// out-of-bounds read. The first byte picks the parser.

#include <cstddef>
#include <cstdint>

#include "procfs/arp.h"
#include "procfs/conntrack.h"
#include "procfs/netclass.h"
#include "procfs/netdev.h"
#include "procfs/netstat.h"
#include "procfs/rtnl_link.h"
#include "procfs/sockstat.h"
#include "procfs/softnet.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 10) {
    case 0:
      (void)procfs::parseNetDev(text);
      break;
    case 1: {
      std::vector<procfs::LinkStats> links;
      (void)procfs::decodeLinkDump(text, links);
      break;
    }
    case 2:
      (void)procfs::parseNetStat(text);
      break;
    case 3:
      (void)procfs::parseSnmp6(text);
      break;
    case 4:
      (void)procfs::parseSockstat(text);
      break;
    case 5:
      (void)procfs::parseSoftnet(text);
      break;
    case 6:
      (void)procfs::parseArp(text);
      break;
    case 7:
      (void)procfs::parseConntrackStat(text);
      break;
    case 8:
      (void)procfs::parseConntrackValue(text);
      break;
    case 9: {
      procfs::NetClassIface iface;
      for (auto attribute : procfs::netClassAttributes()) {
        procfs::setNetClassAttribute(iface, attribute, text);
      }
      break;
    }
  }
  return 0;
}
