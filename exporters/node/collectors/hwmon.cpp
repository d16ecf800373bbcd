// hwmon: node_hwmon_* from /sys/class/hwmon/hwmon*/ (and their device/
// folders, where older drivers keep the attributes), with node_exporter 1.5's
// chip names, metric names, help texts and unit conversions:
//   - chip: "<parent dir>_<device dir>" of the resolved device link
//     ("platform_coretemp_0", "nvme_nvme0"), else the cleaned name file, else
//     the hwmon directory's own name;
//   - node_hwmon_chip_names{chip,chip_name} from the name file,
//     node_hwmon_sensor_label{chip,label,sensor} with the label as written;
//   - millidegrees, millivolts, milliamperes and milliseconds are scaled by
//     0.001, microwatts, microjoules and humidity by 1e-6.
// No /sys/class/hwmon is "no data", as upstream.

#include "procfs/hwmon.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <map>
#include <set>

#include "collectors/collectors.h"
#include "hostfs/read.h"
#include "log/log.h"
#include "procfs/text.h"

namespace node {
namespace {

// An attribute read with one read(2) of at most 128 bytes, like upstream:
// some broken drivers answer EAGAIN for ever, and a retry loop would spin.
std::optional<std::string> readSensorFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[128];
  ssize_t n;
  do {
    n = ::read(fd, buf, sizeof buf);
  } while (n < 0 && errno == EINTR);
  ::close(fd);
  if (n < 0) return std::nullopt;
  std::string value(buf, static_cast<std::size_t>(n));
  // Newlines go at both ends, other white space stays (and makes a number fail to parse).
  std::size_t begin = value.find_first_not_of('\n');
  if (begin == std::string::npos) return std::string();
  return value.substr(begin, value.find_last_not_of('\n') - begin + 1);
}

std::optional<std::string> realPath(const std::string& path) {
  char* resolved = ::realpath(path.c_str(), nullptr);
  if (!resolved) return std::nullopt;
  std::string out(resolved);
  std::free(resolved);
  return out;
}

// "/a/b/c" -> ("b", "c")
std::pair<std::string, std::string> lastTwoElements(std::string path) {
  auto split = [](std::string& p) {
    std::size_t slash = p.rfind('/');
    std::string last = slash == std::string::npos ? p : p.substr(slash + 1);
    p = slash == std::string::npos ? "" : p.substr(0, slash);
    while (!p.empty() && p.back() == '/') p.pop_back();
    return last;
  };
  std::string name = split(path);
  std::string parent = split(path);
  return {parent, name};
}

// Sensor -> property -> raw value, e.g. "temp1" -> {"input": "45000", "label": "Core 0"}.
struct Sensor {
  std::string type;
  std::map<std::string, std::string> values;
};
using Sensors = std::map<std::string, Sensor>;

bool isSensorType(const std::string& type) {
  static const std::set<std::string> kTypes = {
      "vrm",  "beep_enable", "update_interval", "in",     "cpu",      "fan",      "pwm",
      "temp", "curr",        "power",           "energy", "humidity", "intrusion"};
  return kTypes.count(type) > 0;
}

// Reads the sensor attributes in one directory; false when it cannot be listed.
bool collectSensors(const std::string& dir, Sensors& sensors) {
  auto names = hostfs::listDirectory(dir);
  if (!names) return false;
  for (const std::string& name : *names) {
    auto file = procfs::parseSensorFileName(name);
    if (!file || !isSensorType(file->type)) continue;
    auto value = readSensorFile(dir + "/" + name);
    if (!value) continue;  // unreadable attributes (EIO, write-only) are common
    Sensor& sensor = sensors[file->type + std::to_string(file->index)];
    sensor.type = file->type;
    sensor.values[file->property] = std::move(*value);
  }
  return true;
}

// The metrics of one scrape, gathered so each family can be sorted and a
// series seen twice (two chips with the same name) kept once, as upstream.
class Output {
 public:
  void add(const std::string& name, const std::string& help, runtime::MetricType type, double value,
           runtime::Labels labels) {
    auto [it, inserted] = families_.try_emplace(name);
    Family& family = it->second;
    if (inserted) {
      family.help = help;
      family.type = type;
    }
    std::vector<std::string> key;
    for (const auto& label : labels) key.push_back(label.value);
    family.series.try_emplace(std::move(key), std::move(labels), value);
  }

  void drainInto(runtime::MetricSink& sink) {
    for (auto& [name, family] : families_) {
      auto& out = sink.family(name, family.help, family.type);
      for (auto& [key, series] : family.series) {
        runtime::addSample(out, series.second, std::move(series.first));
      }
    }
    families_.clear();
  }

 private:
  struct Family {
    std::string help;
    runtime::MetricType type;
    // Keyed by label values, which sorts the series as client_golang does.
    std::map<std::vector<std::string>, std::pair<runtime::Labels, double>> series;
  };
  std::map<std::string, Family> families_;
};

void emitSensor(const std::string& chip, const std::string& sensor_name, const Sensor& sensor,
                Output& out) {
  using runtime::MetricType;
  const std::string& type = sensor.type;
  auto labels = [&] { return runtime::Labels{{"chip", chip}, {"sensor", sensor_name}}; };
  auto raw = [&](const std::string& property) -> std::optional<double> {
    auto it = sensor.values.find(property);
    if (it == sensor.values.end()) return std::nullopt;
    return procfs::parseDouble(it->second);
  };

  if (auto label = sensor.values.find("label"); label != sensor.values.end()) {
    out.add("node_hwmon_sensor_label", "Label for given chip and sensor", MetricType::Gauge, 1,
            {{"chip", chip}, {"label", label->second}, {"sensor", sensor_name}});
  }
  if (type == "beep_enable") {
    auto it = sensor.values.find("");
    out.add("node_hwmon_beep_enabled", "Hardware beep enabled", MetricType::Gauge,
            it != sensor.values.end() && it->second == "1" ? 1 : 0, labels());
    return;
  }
  if (type == "vrm") {
    if (auto value = raw("")) {
      out.add("node_hwmon_voltage_regulator_version", "Hardware voltage regulator",
              MetricType::Gauge, *value, labels());
    }
    return;
  }
  if (type == "update_interval") {
    if (auto value = raw("")) {
      out.add("node_hwmon_update_interval_seconds", "Hardware monitor update interval",
              MetricType::Gauge, *value * 0.001, labels());
    }
    return;
  }

  const std::string prefix = "node_hwmon_" + type;
  for (const auto& [property, text] : sensor.values) {
    if (property == "label") continue;
    std::string element = property;
    std::string name = prefix;
    if (element == "input") {
      // "temp1" and "temp1_input" both present: keep them apart.
      if (sensor.values.count("")) name += "_input";
    } else if (!element.empty()) {
      name += "_" + procfs::cleanHwmonName(element);
    }
    auto parsed = procfs::parseDouble(text);
    if (!parsed) continue;
    const double value = *parsed;
    auto gauge = [&](const std::string& metric, const std::string& help, double v) {
      out.add(metric, help, MetricType::Gauge, v, labels());
    };

    if (element == "fault" || element == "alarm") {
      gauge(name, "Hardware sensor " + element + " status (" + type + ")", value);
    } else if (element == "beep") {
      gauge(name + "_enabled", "Hardware monitor sensor has beeping enabled", value);
    } else if (type == "in" || type == "cpu") {
      gauge(name + "_volts", "Hardware monitor for voltage (" + element + ")", value * 0.001);
    } else if (type == "temp" && element != "type") {
      if (element.empty()) element = "input";
      gauge(name + "_celsius", "Hardware monitor for temperature (" + element + ")", value * 0.001);
    } else if (type == "curr") {
      gauge(name + "_amps", "Hardware monitor for current (" + element + ")", value * 0.001);
    } else if (type == "energy") {
      out.add(name + "_joule_total", "Hardware monitor for joules used so far (" + element + ")",
              MetricType::Counter, value / 1000000.0, labels());
    } else if (type == "power" && element == "accuracy") {
      gauge(name, "Hardware monitor power meter accuracy, as a ratio", value / 1000000.0);
    } else if (type == "power" &&
               (element == "average_interval" || element == "average_interval_min" ||
                element == "average_interval_max")) {
      gauge(name + "_seconds", "Hardware monitor power usage update interval (" + element + ")",
            value * 0.001);
    } else if (type == "power") {
      gauge(name + "_watt", "Hardware monitor for power usage in watts (" + element + ")",
            value / 1000000.0);
    } else if (type == "humidity") {
      gauge(name,
            "Hardware monitor for humidity, as a ratio (multiply with 100.0 to get the humidity "
            "as a percentage) (" +
                element + ")",
            value / 1000000.0);
    } else if (type == "fan" && (element == "input" || element == "min" || element == "max" ||
                                 element == "target")) {
      gauge(name + "_rpm", "Hardware monitor for fan revolutions per minute (" + element + ")",
            value);
    } else {
      gauge(name, "Hardware monitor " + type + " element " + element, value);
    }
  }
}

class HwmonCollector : public runtime::Collector {
 public:
  explicit HwmonCollector(const hostfs::Paths& paths) : class_dir_(paths.sys("class/hwmon")) {}

  runtime::Status update(runtime::MetricSink& sink) override {
    auto entries = hostfs::listDirectory(class_dir_);
    if (!entries) {
      if (entries.error().notFound()) {
        return runtime::Status::noData(class_dir_ + ": hwmon metrics are not available");
      }
      return runtime::Status::failure(entries.error().message());
    }
    Output out;
    std::string error;
    for (const std::string& entry : *entries) {
      const std::string dir = class_dir_ + "/" + entry;
      struct stat st;
      if (::stat(dir.c_str(), &st) != 0) {  // follows the usual symlink
        error = hostfs::ReadError{dir, errno}.message();
        continue;
      }
      if (!S_ISDIR(st.st_mode)) continue;
      if (std::string chip_error = updateChip(dir, out); !chip_error.empty()) error = chip_error;
    }
    out.drainInto(sink);
    return error.empty() ? runtime::Status::ok() : runtime::Status::failure(error);
  }

 private:
  // The chip label: from the device the hwmon belongs to, which is stable,
  // unlike hwmonN numbering.
  static std::optional<std::string> chipName(const std::string& dir) {
    if (auto device = realPath(dir + "/device")) {
      auto [parent, name] = lastTwoElements(*device);
      std::string clean_parent = procfs::cleanHwmonName(parent);
      std::string clean_name = procfs::cleanHwmonName(name);
      if (!clean_parent.empty() && !clean_name.empty()) return clean_parent + "_" + clean_name;
      if (!clean_name.empty()) return clean_name;
    }
    if (auto name = readSensorFile(dir + "/name"); name && !name->empty()) {
      if (std::string clean = procfs::cleanHwmonName(*name); !clean.empty()) return clean;
    }
    if (auto real = realPath(dir)) {
      if (std::string clean = procfs::cleanHwmonName(lastTwoElements(*real).second);
          !clean.empty()) {
        return clean;
      }
    }
    return std::nullopt;
  }

  // Returns what went wrong, or "".
  static std::string updateChip(const std::string& dir, Output& out) {
    auto chip = chipName(dir);
    if (!chip) return dir + ": could not derive a monitoring name";
    Sensors sensors;
    if (!collectSensors(dir, sensors)) return dir + ": cannot list the sensor attributes";
    struct stat st;
    if (::stat((dir + "/device").c_str(), &st) == 0 && !collectSensors(dir + "/device", sensors)) {
      return dir + "/device: cannot list the sensor attributes";
    }
    if (auto name = readSensorFile(dir + "/name"); name && !name->empty()) {
      if (std::string clean = procfs::cleanHwmonName(*name); !clean.empty()) {
        out.add("node_hwmon_chip_names", "Annotation metric for human-readable chip names",
                runtime::MetricType::Gauge, 1, {{"chip", *chip}, {"chip_name", clean}});
      }
    }
    for (const auto& [sensor_name, sensor] : sensors) emitSensor(*chip, sensor_name, sensor, out);
    return "";
  }

  std::string class_dir_;
};

}  // namespace

void registerHwmonCollector(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  registry.add({.name = "hwmon", .enabled_by_default = true, .make = [&paths] {
                  return std::make_unique<HwmonCollector>(paths);
                }});
}

}  // namespace node
