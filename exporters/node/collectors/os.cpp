// os: node_os_info and node_os_version from <rootfs>/etc/os-release, or
// <rootfs>/usr/lib/os-release when the first does not exist.

#include "collectors/collectors.h"
#include "hostfs/read.h"
#include "procfs/os_release.h"

namespace node {
namespace {

class OsCollector : public runtime::Collector {
 public:
  explicit OsCollector(const hostfs::Paths& paths)
      : candidates_{paths.root("/etc/os-release"), paths.root("/usr/lib/os-release")} {}

  runtime::Status update(runtime::MetricSink& sink) override {
    // Re-read every scrape: the file is tiny, and an OS upgrade shows at once.
    std::string path;
    std::optional<std::string> text;
    for (const std::string& candidate : candidates_) {
      auto content = hostfs::readFile(candidate, 64 << 10);
      if (content) {
        path = candidate;
        text = std::move(content).value();
        break;
      }
      if (!content.error().notFound()) return runtime::Status::failure(content.error().message());
    }
    if (!text) {
      return runtime::Status::noData("no os-release file: " + candidates_[0] + ", " +
                                     candidates_[1]);
    }
    auto release = procfs::parseOsRelease(*text);
    if (!release) return runtime::Status::failure(path + ": " + release.error());
    auto field = [&](std::string_view key) {
      auto it = release->find(key);
      return it == release->end() ? std::string() : it->second;
    };
    sink.gauge("node_os_info",
               "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, "
               "image_version, name, pretty_name, variant, variant_id, version, "
               "version_codename, version_id.",
               1,
               {{"build_id", field("BUILD_ID")},
                {"id", field("ID")},
                {"id_like", field("ID_LIKE")},
                {"image_id", field("IMAGE_ID")},
                {"image_version", field("IMAGE_VERSION")},
                {"name", field("NAME")},
                {"pretty_name", field("PRETTY_NAME")},
                {"variant", field("VARIANT")},
                {"variant_id", field("VARIANT_ID")},
                {"version", field("VERSION")},
                {"version_codename", field("VERSION_CODENAME")},
                {"version_id", field("VERSION_ID")}});
    // Rolling releases have no number; node_exporter then leaves the metric out.
    double version = procfs::osVersionNumber(field("VERSION_ID"));
    if (version > 0) {
      sink.gauge("node_os_version", "Metric containing the major.minor part of the OS version.",
                 version,
                 {{"id", field("ID")}, {"id_like", field("ID_LIKE")}, {"name", field("NAME")}});
    }
    return runtime::Status::ok();
  }

 private:
  std::string candidates_[2];
};

}  // namespace

void registerOsCollector(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  registry.add({.name = "os", .enabled_by_default = true, .make = [&paths] {
                  return std::make_unique<OsCollector>(paths);
                }});
}

}  // namespace node
