#include "procfs/pressure.h"

namespace procfs {
namespace {

Parsed<PressureLine> parseLine(std::string_view kind, const std::vector<std::string_view>& fields) {
  PressureLine line;
  bool avg10 = false, avg60 = false, avg300 = false, total = false;
  auto fail = [&](std::string_view what) {
    return unexpected("\"" + std::string(kind) + "\" line: " + std::string(what));
  };
  for (std::size_t i = 1; i < fields.size(); ++i) {
    auto eq = fields[i].find('=');
    if (eq == std::string_view::npos)
      return fail("\"" + std::string(fields[i]) + "\" is not key=value");
    std::string_view key = fields[i].substr(0, eq);
    std::string_view value = fields[i].substr(eq + 1);
    if (key == "total") {
      auto number = parseU64(value);
      if (!number) return fail("total \"" + std::string(value) + "\" is not a number");
      line.total_us = *number;
      total = true;
      continue;
    }
    double* average = key == "avg10"    ? (avg10 = true, &line.avg10)
                      : key == "avg60"  ? (avg60 = true, &line.avg60)
                      : key == "avg300" ? (avg300 = true, &line.avg300)
                                        : nullptr;
    if (!average) continue;  // a field a future kernel may add
    auto number = parseDouble(value);
    if (!number) return fail(std::string(key) + " \"" + std::string(value) + "\" is not a number");
    *average = *number;
  }
  if (!avg10 || !avg60 || !avg300 || !total) return fail("missing avg10, avg60, avg300 or total");
  return line;
}

}  // namespace

Parsed<Pressure> parsePressure(std::string_view text) {
  Pressure pressure;
  std::optional<std::string> error;
  forEachLine(text, [&](std::string_view text_line) {
    if (error) return;
    auto fields = splitFields(text_line);
    if (fields.empty()) return;
    std::optional<PressureLine>* into = fields[0] == "some"   ? &pressure.some
                                        : fields[0] == "full" ? &pressure.full
                                                              : nullptr;
    if (!into) return;
    auto line = parseLine(fields[0], fields);
    if (!line) {
      error = line.error();
      return;
    }
    *into = *line;
  });
  if (error) return unexpected(*error);
  return pressure;
}

}  // namespace procfs
