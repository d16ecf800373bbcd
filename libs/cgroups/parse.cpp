#include "cgroups/parse.h"

namespace cgroups {
namespace {

using procfs::LineError;
using procfs::parseU64;
using procfs::splitFields;
using procfs::unexpected;

std::string quoted(std::string_view text) {
  std::string out(1, '"');
  out.append(text).push_back('"');
  return out;
}

// "8:0" into major and minor.
bool parseDevice(std::string_view text, std::uint32_t& major, std::uint32_t& minor) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  auto ma = procfs::parseInteger<std::uint32_t>(text.substr(0, colon));
  auto mi = procfs::parseInteger<std::uint32_t>(text.substr(colon + 1));
  if (!ma || !mi) return false;
  major = *ma;
  minor = *mi;
  return true;
}

}  // namespace

std::optional<std::uint64_t> FlatKeyed::get(std::string_view key) const {
  for (const auto& [name, value] : entries) {
    if (name == key) return value;
  }
  return std::nullopt;
}

Parsed<FlatKeyed> parseFlatKeyed(std::string_view text) {
  FlatKeyed keyed;
  auto error = procfs::checkEachLine(text, [&](std::string_view line) -> LineError {
    auto fields = splitFields(line);
    if (fields.empty()) return std::nullopt;
    std::optional<std::uint64_t> value;
    if (fields.size() == 2) value = parseU64(fields[1]);
    if (!value) return "expected \"key value\", got " + quoted(line);
    keyed.entries.emplace_back(fields[0], *value);
    return std::nullopt;
  });
  if (error) return unexpected(*error);
  return keyed;
}

Parsed<std::uint64_t> parseValue(std::string_view text) {
  auto value = parseU64(procfs::trim(text));
  if (!value) return unexpected(quoted(procfs::trim(text)) + " is not an unsigned number");
  return *value;
}

Parsed<std::optional<std::uint64_t>> parseLimit(std::string_view text) {
  constexpr std::uint64_t kUnlimitedFrom = std::uint64_t{1} << 62;
  std::string_view value = procfs::trim(text);
  if (value == "max" || value == "-1") return std::optional<std::uint64_t>();
  auto number = parseU64(value);
  if (!number) return unexpected(quoted(value) + " is neither a number nor \"max\" or \"-1\"");
  if (*number >= kUnlimitedFrom) return std::optional<std::uint64_t>();
  return std::optional<std::uint64_t>(*number);
}

Parsed<CpuMax> parseCpuMax(std::string_view text) {
  auto fields = splitFields(procfs::trim(text));
  if (fields.size() != 2) return unexpected("expected \"quota period\", got " + quoted(text));
  auto quota = parseLimit(fields[0]);
  auto period = parseU64(fields[1]);
  if (!quota || !period) return unexpected("expected \"quota period\", got " + quoted(text));
  return CpuMax{*quota, *period};
}

Parsed<std::vector<IoDevice>> parseIoStat(std::string_view text) {
  std::vector<IoDevice> devices;
  auto error = procfs::checkEachLine(text, [&](std::string_view line) -> LineError {
    auto fields = splitFields(line);
    if (fields.empty()) return std::nullopt;
    std::uint32_t major = 0, minor = 0;
    if (!parseDevice(fields[0], major, minor)) return quoted(fields[0]) + " is not major:minor";
    IoDevice& device = deviceEntry(devices, major, minor);
    for (std::size_t i = 1; i < fields.size(); ++i) {
      auto eq = fields[i].find('=');
      if (eq == std::string_view::npos) return quoted(fields[i]) + " is not key=value";
      std::string_view key = fields[i].substr(0, eq);
      std::uint64_t* into = key == "rbytes"   ? &device.read_bytes
                            : key == "wbytes" ? &device.write_bytes
                            : key == "rios"   ? &device.reads
                            : key == "wios"   ? &device.writes
                                              : nullptr;
      if (!into) continue;
      auto value = parseU64(fields[i].substr(eq + 1));
      if (!value) return quoted(fields[i]) + " has no unsigned number";
      *into = *value;
    }
    return std::nullopt;
  });
  if (error) return unexpected(*error);
  return devices;
}

Parsed<std::vector<BlkioDevice>> parseBlkio(std::string_view text) {
  std::vector<BlkioDevice> devices;
  auto error = procfs::checkEachLine(text, [&](std::string_view line) -> LineError {
    auto fields = splitFields(line);
    if (fields.empty()) return std::nullopt;
    if (fields.size() == 2 && fields[0] == "Total") {
      if (!parseU64(fields[1])) return quoted(line) + " has no unsigned number";
      return std::nullopt;
    }
    std::uint32_t major = 0, minor = 0;
    std::optional<std::uint64_t> value;
    if (fields.size() == 3 && parseDevice(fields[0], major, minor)) value = parseU64(fields[2]);
    if (!value) return "expected \"major:minor operation value\", got " + quoted(line);
    BlkioDevice& device = deviceEntry(devices, major, minor);
    if (fields[1] == "Read") device.read = *value;
    if (fields[1] == "Write") device.write = *value;
    return std::nullopt;
  });
  if (error) return unexpected(*error);
  return devices;
}

}  // namespace cgroups
