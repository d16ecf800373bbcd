#include "procfs/cpuinfo.h"

namespace procfs {
namespace {

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  for (std::string_view word : splitFields(text)) out.emplace_back(word);
  return out;
}

}  // namespace

Parsed<std::vector<CpuInfo>> parseCpuInfo(std::string_view text) {
  std::vector<CpuInfo> cpus;
  std::optional<std::string> error;
  forEachLine(text, [&](std::string_view line) {
    if (error) return;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      // Blank separators and "power management:"-style lines without value.
      if (cpus.empty() && !trim(line).empty()) error = "expected a \"processor\" line first";
      return;
    }
    std::string_view key = trim(line.substr(0, colon));
    // Values keep their own spacing (some model names are padded); only the
    // one space after the colon is the separator.
    std::string_view value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (key == "processor") {
      auto number = parseInteger<unsigned>(trim(value));
      if (!number) {
        error = "processor number \"" + std::string(value) + "\" is not a number";
        return;
      }
      cpus.emplace_back().processor = *number;
      return;
    }
    if (cpus.empty()) {
      error = "expected a \"processor\" line first, got \"" + std::string(key) + "\"";
      return;
    }
    CpuInfo& cpu = cpus.back();
    if (key == "vendor_id" || key == "vendor") {
      cpu.vendor_id = value;
    } else if (key == "cpu family") {
      cpu.cpu_family = value;
    } else if (key == "model") {
      cpu.model = value;
    } else if (key == "model name") {
      cpu.model_name = value;
    } else if (key == "stepping") {
      cpu.stepping = value;
    } else if (key == "microcode") {
      cpu.microcode = value;
    } else if (key == "cache size") {
      cpu.cache_size = value;
    } else if (key == "physical id") {
      cpu.physical_id = value;
    } else if (key == "core id") {
      cpu.core_id = value;
    } else if (key == "flags") {
      cpu.flags = words(value);
    } else if (key == "bugs") {
      cpu.bugs = words(value);
    }
  });
  if (error) return unexpected(*error);
  if (cpus.empty()) return unexpected(std::string("no \"processor\" line"));
  return cpus;
}

}  // namespace procfs
