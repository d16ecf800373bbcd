#include "procfs/stat.h"

namespace procfs {
namespace {

// Splits off the first space-separated word of `rest`.
std::string_view nextWord(std::string_view& rest) {
  std::size_t start = rest.find_first_not_of(" \t");
  if (start == std::string_view::npos) {
    rest = {};
    return {};
  }
  rest.remove_prefix(start);
  std::size_t end = rest.find_first_of(" \t");
  std::string_view word = rest.substr(0, end);
  rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  return word;
}

std::string lineError(std::string_view key, std::string_view what) {
  return "line \"" + std::string(key) + "\": " + std::string(what);
}

Parsed<CpuLine> parseCpuLine(std::string_view key, std::string_view rest) {
  CpuLine line;
  auto id = parseInteger<std::int64_t>(key.substr(3));
  if (!id) return unexpected(lineError(key, "CPU number is not an integer"));
  line.cpu = *id;
  double* columns[] = {&line.times.user,      &line.times.nice,   &line.times.system,
                       &line.times.idle,      &line.times.iowait, &line.times.irq,
                       &line.times.softirq,   &line.times.steal,  &line.times.guest,
                       &line.times.guest_nice};
  for (double* column : columns) {
    std::string_view word = nextWord(rest);
    if (word.empty()) break;
    auto ticks = parseU64(word);
    if (!ticks)
      return unexpected(lineError(key, "\"" + std::string(word) + "\" is not a tick count"));
    *column = static_cast<double>(*ticks) / kUserHz;
  }
  return line;
}

}  // namespace

Parsed<Stat> parseStat(std::string_view text) {
  Stat stat;
  std::optional<std::string> error;
  forEachLine(text, [&](std::string_view line) {
    if (error) return;
    std::string_view rest = line;
    std::string_view key = nextWord(rest);
    const std::string_view values = rest;
    std::string_view first = nextWord(rest);
    if (first.empty()) return;  // a key without value says nothing
    auto number = [&](std::uint64_t& into) {
      auto value = parseU64(first);
      if (!value) {
        error = lineError(key, "\"" + std::string(first) + "\" is not a number");
      } else {
        into = *value;
      }
    };
    if (key.substr(0, 3) == "cpu") {
      if (key == "cpu") return;  // the sum over CPUs: derivable, not exported
      auto cpu = parseCpuLine(key, values);
      if (!cpu) {
        error = cpu.error();
        return;
      }
      stat.cpus.push_back(*cpu);
    } else if (key == "intr") {
      number(stat.interrupts);
    } else if (key == "ctxt") {
      number(stat.context_switches);
    } else if (key == "btime") {
      number(stat.boot_time);
    } else if (key == "processes") {
      number(stat.forks);
    } else if (key == "procs_running") {
      number(stat.procs_running);
    } else if (key == "procs_blocked") {
      number(stat.procs_blocked);
    } else if (key == "softirq") {
      number(stat.softirqs.total);
      for (auto& count : stat.softirqs.per_vector) {
        if (error) return;
        std::string_view word = nextWord(rest);
        auto value = parseU64(word);
        if (!value) {
          error = lineError(
              key, word.empty()
                       ? "fewer than " + std::to_string(kSoftirqVectors.size()) + " vectors"
                       : "\"" + std::string(word) + "\" is not a number");
          return;
        }
        count = *value;
      }
    }
  });
  if (error) return unexpected(*error);
  return stat;
}

}  // namespace procfs
