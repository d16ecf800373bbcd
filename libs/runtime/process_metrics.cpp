#include "runtime/process_metrics.h"

#include "hostfs/read.h"
#include "procfs/text.h"

#include <dirent.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/resource.h>
#include <unistd.h>

namespace runtime {

ProcessCollector::ProcessCollector(std::string self_dir)
    : self_dir_(std::move(self_dir)),
      ticks_per_second_(sysconf(_SC_CLK_TCK)),
      page_size_(sysconf(_SC_PAGESIZE)) {
  if (auto stat = hostfs::readFile("/proc/stat")) {
    procfs::forEachLine(*stat, [&](std::string_view line) {
      if (line.starts_with("btime ")) {
        if (auto v = procfs::parseDouble(procfs::trim(line.substr(6)))) boot_time_seconds_ = *v;
      }
    });
  }
}

Status ProcessCollector::update(MetricSink& sink) {
  auto stat = hostfs::readFile(self_dir_ + "/stat");
  if (!stat) return Status::failure(stat.error().message());
  // Fields after the command name, which is in parentheses and may hold spaces.
  auto close = stat->rfind(')');
  if (close == std::string::npos) return Status::failure("malformed " + self_dir_ + "/stat");
  auto fields = procfs::splitFields(std::string_view(*stat).substr(close + 2));
  // fields[0] is state (field 3 of stat); utime is field 14, so index 11.
  if (fields.size() < 22) return Status::failure("short " + self_dir_ + "/stat");
  auto num = [&](std::size_t stat_field) {
    return static_cast<double>(procfs::parseU64(fields[stat_field - 3]).value_or(0));
  };
  double ticks = static_cast<double>(ticks_per_second_);
  sink.counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
               (num(14) + num(15)) / ticks);
  sink.gauge("process_start_time_seconds",
             "Start time of the process since unix epoch in seconds.",
             boot_time_seconds_ + num(22) / ticks);
  sink.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", num(23));
  sink.gauge("process_resident_memory_bytes", "Resident memory size in bytes.",
             num(24) * static_cast<double>(page_size_));

  // Linux 6.2 and later give the number of open descriptors as the size of
  // /proc/<pid>/fd, without listing them. Listing costs: with the thousand
  // cgroup files tern-container keeps open (hostfs::OpenFileCache), about 5%
  // of its scrape went to getdents here. Older kernels say 0: list them.
  const std::string fd_dir = self_dir_ + "/fd";
  double open_fds = 0;
  struct stat fd_dir_stat {};
  struct statfs fd_dir_fs {};
  if (::stat(fd_dir.c_str(), &fd_dir_stat) == 0 && fd_dir_stat.st_size > 0 &&
      ::statfs(fd_dir.c_str(), &fd_dir_fs) == 0 && fd_dir_fs.f_type == PROC_SUPER_MAGIC) {
    open_fds = static_cast<double>(fd_dir_stat.st_size);
  } else if (DIR* dir = opendir(fd_dir.c_str())) {
    while (dirent* entry = readdir(dir)) {
      if (entry->d_name[0] != '.') ++open_fds;
    }
    closedir(dir);
    open_fds -= 1;  // the descriptor opendir itself holds
  }
  sink.gauge("process_open_fds", "Number of open file descriptors.", open_fds);

  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    sink.gauge("process_max_fds", "Maximum number of open file descriptors.",
               static_cast<double>(limit.rlim_cur));
  }
  if (getrlimit(RLIMIT_AS, &limit) == 0) {
    sink.gauge("process_virtual_memory_max_bytes",
               "Maximum amount of virtual memory available in bytes.",
               static_cast<double>(limit.rlim_cur));  // unlimited: 2^64-1, like client_golang
  }
  return Status::ok();
}

}  // namespace runtime
