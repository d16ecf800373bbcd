// libFuzzer target for every pure /proc and /sys parser in libs/procfs: the
// first byte picks the parser, the rest is the file's text. None may crash,
// hang or read out of bounds, whatever the bytes.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "procfs/arp.h"
#include "procfs/conntrack.h"
#include "procfs/cpuinfo.h"
#include "procfs/cpulist.h"
#include "procfs/diskstats.h"
#include "procfs/filefd.h"
#include "procfs/hwmon.h"
#include "procfs/loadavg.h"
#include "procfs/meminfo.h"
#include "procfs/mounts.h"
#include "procfs/netclass.h"
#include "procfs/netdev.h"
#include "procfs/netstat.h"
#include "procfs/os_release.h"
#include "procfs/pressure.h"
#include "procfs/rtnl_link.h"
#include "procfs/sockstat.h"
#include "procfs/softnet.h"
#include "procfs/stat.h"
#include "procfs/vmstat.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 25) {
    case 0:
      (void)procfs::parseLoadavg(text);
      break;
    case 1:
      (void)procfs::parseStat(text);
      break;
    case 2:
      (void)procfs::parseCpuInfo(text);
      break;
    case 3:
      (void)procfs::parseCpuList(text);
      break;
    case 4:
      (void)procfs::parseMeminfo(text);
      break;
    case 5:
      (void)procfs::parseVmstat(text);
      break;
    case 6:
      (void)procfs::parsePressure(text);
      break;
    case 7:
      (void)procfs::parseFileNr(text);
      break;
    case 8:
      (void)procfs::parseOsRelease(text);
      break;
    case 9:
      (void)procfs::osVersionNumber(text);
      break;
    case 10:
      (void)procfs::parseNetDev(text);
      break;
    case 11: {
      std::vector<procfs::LinkStats> links;
      (void)procfs::decodeLinkDump(text, links);
      break;
    }
    case 12:
      (void)procfs::parseNetStat(text);
      break;
    case 13:
      (void)procfs::parseSnmp6(text);
      break;
    case 14:
      (void)procfs::parseSockstat(text);
      break;
    case 15:
      (void)procfs::parseSoftnet(text);
      break;
    case 16:
      (void)procfs::parseArp(text);
      break;
    case 17:
      (void)procfs::parseConntrackStat(text);
      break;
    case 18:
      (void)procfs::parseConntrackValue(text);
      break;
    case 19: {
      procfs::NetClassIface iface;
      for (auto attribute : procfs::netClassAttributes()) {
        procfs::setNetClassAttribute(iface, attribute, text);
      }
      break;
    }
    case 20:
      (void)procfs::parseDiskstats(text);
      break;
    case 21:
      (void)procfs::parseUdevProperties(text);
      break;
    case 22:
      (void)procfs::parseSensorFileName(text);
      break;
    case 23:
      (void)procfs::parseMountInfo(text);
      break;
    case 24:
      (void)procfs::parseMounts(text);
      break;
  }
  return 0;
}
