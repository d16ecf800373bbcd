#pragma once
// Pure helpers for /sys/class/hwmon, with node_exporter's naming rules.

#include <optional>
#include <string>
#include <string_view>

namespace procfs {

// A sensor attribute file name split as <type><index>_<property>:
// "temp1_input" -> {"temp", 1, "input"}, "pwm1" -> {"pwm", 1, ""},
// "beep_enable" -> {"beep_enable", 0, ""}. Names starting with a digit, or
// whose index is followed by anything but "_<something>", do not split.
struct SensorFileName {
  std::string type;
  long long index = 0;
  std::string property;
};
std::optional<SensorFileName> parseSensorFileName(std::string_view name);

// node_exporter's cleanMetricName: lower-case, every character outside
// [a-z0-9:_] (a whole UTF-8 character, or a stray byte) becomes '_', and
// leading and trailing '_' go. "Package id 0" -> "package_id_0",
// "coretemp.0" -> "coretemp_0".
std::string cleanHwmonName(std::string_view name);

}  // namespace procfs
