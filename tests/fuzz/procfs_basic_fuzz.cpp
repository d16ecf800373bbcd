// libFuzzer target for the parsers of the basic node collectors: the first
// byte picks the parser, the rest is the file text. None may crash, hang or
// read out of bounds, whatever the bytes.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "procfs/cpuinfo.h"
#include "procfs/cpulist.h"
#include "procfs/filefd.h"
#include "procfs/meminfo.h"
#include "procfs/os_release.h"
#include "procfs/pressure.h"
#include "procfs/stat.h"
#include "procfs/vmstat.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 9) {
    case 0:
      (void)procfs::parseStat(text);
      break;
    case 1:
      (void)procfs::parseCpuInfo(text);
      break;
    case 2:
      (void)procfs::parseCpuList(text);
      break;
    case 3:
      (void)procfs::parseMeminfo(text);
      break;
    case 4:
      (void)procfs::parseVmstat(text);
      break;
    case 5:
      (void)procfs::parsePressure(text);
      break;
    case 6:
      (void)procfs::parseFileNr(text);
      break;
    case 7:
      (void)procfs::parseOsRelease(text);
      break;
    case 8:
      (void)procfs::osVersionNumber(text);
      break;
  }
  return 0;
}
