#pragma once
// /proc/stat: per-CPU time counters and the kernel's activity totals. Shared
// by the cpu and stat collectors.

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "procfs/text.h"

namespace procfs {

// The kernel reports CPU times in USER_HZ ticks, fixed at 100 per second for
// user space whatever the kernel's own HZ.
inline constexpr double kUserHz = 100.0;

// Seconds per mode, in /proc/stat's column order. Older kernels print fewer
// columns; the missing ones stay 0.
struct CpuTimes {
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0,
         guest = 0, guest_nice = 0;
};

struct CpuLine {
  std::int64_t cpu = 0;  // the N of "cpuN"
  CpuTimes times;
};

// The "softirq" line: total, then one count per vector in kernel order.
inline constexpr std::array<const char*, 10> kSoftirqVectors = {
    "hi",           "timer",   "net_tx", "net_rx",  "block",
    "block_iopoll", "tasklet", "sched",  "hrtimer", "rcu"};
struct Softirqs {
  std::uint64_t total = 0;
  std::array<std::uint64_t, kSoftirqVectors.size()> per_vector{};
};

// Absent lines read as 0, as in prometheus/procfs.
struct Stat {
  std::vector<CpuLine> cpus;  // per-CPU lines, in file order; the "cpu" total line is left out
  std::uint64_t boot_time = 0;
  std::uint64_t interrupts = 0;  // only the total; the per-IRQ columns are not parsed
  std::uint64_t context_switches = 0;
  std::uint64_t forks = 0;
  std::uint64_t procs_running = 0;
  std::uint64_t procs_blocked = 0;
  Softirqs softirqs;
};

// "cpu0 9332 0 1960 47422 23 0 7 17 0 0\n...intr 202409 0 0 ...\nctxt 325046\n..."
// Fails on a known line whose value is not a number, like prometheus/procfs.
Parsed<Stat> parseStat(std::string_view text);

}  // namespace procfs
