// textfile: metrics from *.prom files in --collector.textfile.directory (a
// directory or a glob of directories), plus node_textfile_mtime_seconds{file}
// and node_textfile_scrape_error.
//
// Files are parsed with Go expfmt's rules (runtime/text_parse.h). Like
// node_exporter 1.5, a file that does not parse or carries timestamps is
// skipped whole, a family without HELP gets "Metric read from <path>", a
// series missing some of its family's labels gets them empty, histograms get
// their +Inf bucket, and output is sorted the way client_golang sorts it.
//
// Where node_exporter would serve a file partly (its registry drops single
// series that clash: a family with another TYPE or HELP than in an earlier
// file, a series seen before), this collector rejects the whole file with
// node_textfile_scrape_error 1, so what is served is always consistent.
// An empty directory flag serves only node_textfile_scrape_error 0, as
// upstream does (Debian's package changes the default; we keep upstream's).

#include <glob.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "collectors/collectors.h"
#include "hostfs/read.h"
#include "log/log.h"
#include "runtime/text_parse.h"

namespace node {
namespace {

constexpr std::size_t kFileLimit = 32 << 20;  // a runaway file must not eat the exporter

struct TextfileOptions {
  std::string directory;
};

// Go's filepath.Clean, lexically: the file label must read as upstream's.
std::string cleanPath(const std::string& path) {
  if (path.empty()) return ".";
  const bool rooted = path.front() == '/';
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    std::string part = path.substr(start, slash - start);
    if (part.empty() || part == ".") {
      // skip
    } else if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(part);
      }
    } else {
      parts.push_back(part);
    }
    start = slash + 1;
  }
  std::string out = rooted ? "/" : "";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += '/';
    out += parts[i];
  }
  return out.empty() ? "." : out;
}

// The directories named by the flag: glob matches, else the flag itself.
std::vector<std::string> expandDirectories(const std::string& pattern) {
  glob_t matches{};
  std::vector<std::string> dirs;
  if (::glob(pattern.c_str(), 0, nullptr, &matches) == 0) {
    for (std::size_t i = 0; i < matches.gl_pathc; ++i) dirs.emplace_back(matches.gl_pathv[i]);
  }
  ::globfree(&matches);
  if (dirs.empty()) dirs.push_back(pattern);
  return dirs;
}

std::string labelKey(const std::string& name, const runtime::Labels& labels) {
  std::string key = name;
  for (const auto& label : labels) {
    key += '\xff';
    key += label.name;
    key += '\xfe';
    key += label.value;
  }
  return key;
}

const char* typeName(runtime::MetricType type) {
  switch (type) {
    case runtime::MetricType::Counter:
      return "counter";
    case runtime::MetricType::Gauge:
      return "gauge";
    case runtime::MetricType::Summary:
      return "summary";
    case runtime::MetricType::Histogram:
      return "histogram";
    default:
      return "untyped";
  }
}

// Shapes one file's family the way node_exporter's conversion does.
void normalizeFamily(runtime::MetricFamily& family, const std::string& path) {
  if (family.help.empty()) family.help = "Metric read from " + path;
  std::set<std::string> label_names;
  for (const auto& metric : family.metric) {
    for (const auto& label : metric.label) label_names.insert(label.name);
  }
  for (auto& metric : family.metric) {
    for (const std::string& name : label_names) {
      bool present = std::any_of(metric.label.begin(), metric.label.end(),
                                 [&](const auto& label) { return label.name == name; });
      if (!present) metric.label.push_back({name, ""});
    }
    std::sort(metric.label.begin(), metric.label.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    metric.timestamp_ms = 0;
    if (family.type == runtime::MetricType::Histogram) {
      // One bucket per bound (the last line wins), ascending, ending in +Inf.
      std::map<double, std::uint64_t> buckets;
      for (const auto& bucket : metric.histogram.bucket) {
        if (!std::isnan(bucket.upper_bound)) buckets[bucket.upper_bound] = bucket.cumulative_count;
      }
      metric.histogram.bucket.clear();
      for (const auto& [bound, count] : buckets) metric.histogram.bucket.push_back({count, bound});
      if (buckets.empty() || !std::isinf(buckets.rbegin()->first) || buckets.rbegin()->first < 0) {
        metric.histogram.bucket.push_back(
            {metric.histogram.sample_count, std::numeric_limits<double>::infinity()});
      }
    } else if (family.type == runtime::MetricType::Summary) {
      std::map<double, double> quantiles;
      for (const auto& quantile : metric.summary.quantile) {
        if (!std::isnan(quantile.quantile)) quantiles[quantile.quantile] = quantile.value;
      }
      metric.summary.quantile.clear();
      for (const auto& [q, value] : quantiles) metric.summary.quantile.push_back({q, value});
    }
  }
}

// client_golang's order: fewer labels first, then label values in turn.
bool seriesBefore(const runtime::ClientMetric& a, const runtime::ClientMetric& b) {
  if (a.label.size() != b.label.size()) return a.label.size() < b.label.size();
  for (std::size_t i = 0; i < a.label.size(); ++i) {
    if (a.label[i].value != b.label[i].value) return a.label[i].value < b.label[i].value;
  }
  return false;
}

class TextfileCollector : public runtime::Collector {
 public:
  explicit TextfileCollector(std::string directory) : directory_(std::move(directory)) {}

  runtime::Status update(runtime::MetricSink& sink) override {
    Scrape scrape;
    if (!directory_.empty()) {
      for (const std::string& dir : expandDirectories(directory_)) readDirectory(dir, scrape);
    }
    for (auto& [name, family] : scrape.families) {
      std::sort(family.family.metric.begin(), family.family.metric.end(), seriesBefore);
      sink.family(name, family.family.help, family.family.type).metric =
          std::move(family.family.metric);
    }
    if (!scrape.mtimes.empty()) {
      auto& mtimes = sink.gauge("node_textfile_mtime_seconds",
                                "Unixtime mtime of textfiles successfully read.");
      for (const auto& [path, seconds] : scrape.mtimes) {
        runtime::addSample(mtimes, seconds, {{"file", path}});
      }
    }
    sink.gauge("node_textfile_scrape_error",
               "1 if there was an error opening or reading a file, 0 otherwise",
               scrape.errored ? 1 : 0);
    return runtime::Status::ok();
  }

 private:
  struct AcceptedFamily {
    runtime::MetricFamily family;
    std::set<std::string> series;
  };
  struct Scrape {
    std::map<std::string, AcceptedFamily> families;
    std::map<std::string, double> mtimes;
    bool errored = false;
  };

  void readDirectory(const std::string& dir, Scrape& scrape) {
    auto names = hostfs::listDirectory(dir);
    if (!names) {
      LOG_ERROR("failed to read textfile collector directory", {"collector", "textfile"},
                {"path", dir}, {"err", names.error().message()});
      scrape.errored = true;
      return;
    }
    for (const std::string& name : *names) {
      if (name.size() < 5 || name.compare(name.size() - 5, 5, ".prom") != 0) continue;
      std::string path = cleanPath(dir + "/" + name);
      std::string error = readFile(path, scrape);
      if (!error.empty()) {
        LOG_ERROR("failed to collect textfile data", {"collector", "textfile"}, {"file", name},
                  {"err", error});
        scrape.errored = true;
      }
    }
  }

  // Adds one file's families to the scrape, or none of them; returns why not.
  std::string readFile(const std::string& path, Scrape& scrape) {
    auto text = hostfs::readFile(path, kFileLimit);
    if (!text) return "failed to open textfile data file: " + text.error().message();
    auto parsed = runtime::parseTextFormat(*text);
    if (!parsed) {
      return "failed to parse textfile data from \"" + path + "\": " + parsed.error().describe();
    }
    if (parsed->timestamped_samples > 0) {
      return "textfile \"" + path +
             "\" contains unsupported client-side timestamps, skipping entire file";
    }
    for (auto& family : parsed->families) normalizeFamily(family, path);
    if (std::string conflict = findConflict(parsed->families, scrape); !conflict.empty()) {
      return "textfile \"" + path + "\" skipped: " + conflict;
    }
    // Stat only once the file is known good, so a broken file does not look fresh.
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      return "failed to stat textfile data file: " + hostfs::ReadError{path, errno}.message();
    }
    scrape.mtimes[path] = static_cast<double>(st.st_mtim.tv_sec);  // whole seconds, as 1.5

    for (auto& family : parsed->families) {
      auto [it, inserted] = scrape.families.try_emplace(family.name);
      AcceptedFamily& accepted = it->second;
      if (inserted) {
        accepted.family.name = family.name;
        accepted.family.help = family.help;
        accepted.family.type = family.type;
      }
      for (auto& metric : family.metric) {
        accepted.series.insert(labelKey(family.name, metric.label));
        accepted.family.metric.push_back(std::move(metric));
      }
    }
    return "";
  }

  // What makes a file inconsistent with itself or with the files read before.
  static std::string findConflict(const std::vector<runtime::MetricFamily>& families,
                                  const Scrape& scrape) {
    for (const auto& family : families) {
      if (family.name == "node_textfile_mtime_seconds" ||
          family.name == "node_textfile_scrape_error") {
        return "metric " + family.name + " is the textfile collector's own";
      }
      const AcceptedFamily* earlier = nullptr;
      if (auto it = scrape.families.find(family.name); it != scrape.families.end()) {
        earlier = &it->second;
        if (earlier->family.type != family.type) {
          return "metric " + family.name + " is a " + typeName(family.type) + " but was a " +
                 typeName(earlier->family.type) + " in an earlier file";
        }
        if (earlier->family.help != family.help) {
          return "metric " + family.name + " has help \"" + family.help + "\" but had \"" +
                 earlier->family.help + "\" in an earlier file";
        }
      }
      std::set<std::string> seen;
      for (const auto& metric : family.metric) {
        std::string key = labelKey(family.name, metric.label);
        if (!seen.insert(key).second || (earlier && earlier->series.count(key) > 0)) {
          std::string labels;
          for (const auto& label : metric.label) {
            labels += (labels.empty() ? "" : ",") + label.name + "=\"" + label.value + "\"";
          }
          return "series " + family.name + "{" + labels + "} is there more than once";
        }
      }
    }
    return "";
  }

  std::string directory_;
};

}  // namespace

void registerTextfileCollector(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  auto options = std::make_shared<TextfileOptions>();
  registry.add(
      {.name = "textfile",
       .enabled_by_default = true,
       .add_flags =
           [options](CLI::App& app) {
             app.add_option("--collector.textfile.directory", options->directory,
                            "Directory to read text files with metrics from.")
                 ->capture_default_str();
           },
       .make = [options] { return std::make_unique<TextfileCollector>(options->directory); }});
}

}  // namespace node
