#pragma once
// The filesystem collector's seam for tests. statfs() on a dead NFS or CIFS
// server can block for minutes; tests substitute a function that blocks on
// purpose, or returns canned values so goldens do not depend on the machine.

#include <sys/statvfs.h>

#include <functional>
#include <string>

#include "base/expected.h"
#include "hostfs/paths.h"
#include "runtime/collector.h"

namespace node {

using StatfsResult = base::Expected<struct statvfs, int>;  // errno on failure
using StatfsFunction = std::function<StatfsResult(const std::string& path)>;

// registerFilesystemCollector with statvfs(3) replaced.
void registerFilesystemCollectorWith(runtime::CollectorRegistry& registry,
                                     const hostfs::Paths& paths, StatfsFunction statfs);

}  // namespace node
