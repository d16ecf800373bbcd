// textfile collector against tests/fixtures/node/textfile/{good,bad}.
//
// The goldens were compared with node_exporter 1.5 on the same directories
// (numbers compared as numbers: we print 1700000000 where Go prints
// 1.7e+09). good/: identical. bad/: node_exporter rejects b, c and h and sets
// node_textfile_scrape_error 1 like us, but it still serves the rest of d, e,
// f and g (innocent_bystander_*, the first dup_in_file{a="1"}) with their
// mtimes, dropping only the clashing series (and logging them). Intended
// difference: we reject a clashing file whole and count it as an error.

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "collectors/collectors.h"
#include "support/golden.h"

namespace {

// File mtimes are part of the output: pin them (to 1700000000.123456789; 1.5 reports whole
// seconds).
void pinMtimes(const std::string& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    struct timespec times[2] = {{1700000000, 123456789}, {1700000000, 123456789}};
    REQUIRE(::utimensat(AT_FDCWD, entry.path().c_str(), times, 0) == 0);
  }
}

// The fixture path is part of labels and HELP; make the golden independent of
// where the tree is checked out.
std::string withoutFixtureRoot(std::string text) {
  const std::string root = testsupport::fixture("node/textfile");
  for (std::size_t at; (at = text.find(root)) != std::string::npos;) {
    text.replace(at, root.size(), "<fixtures>");
  }
  return text;
}

testsupport::Rendered renderDirectory(const std::string& directory) {
  // Two arguments: CLI11 2.1 takes "--flag=" (empty value) as a missing value.
  auto collector =
      testsupport::buildCollector(node::registerTextfileCollector, testsupport::nodeFixturePaths(),
                                  {"--collector.textfile.directory", directory});
  return testsupport::render(*collector);
}

}  // namespace

TEST_CASE("textfile collector serves valid files") {
  const std::string dir = testsupport::fixture("node/textfile/good");
  pinMtimes(dir);
  auto out = renderDirectory(dir);
  CHECK(out.status.isOk());
  testsupport::checkGolden("node/golden/textfile_good.prom", withoutFixtureRoot(out.text));
}

TEST_CASE("textfile collector rejects bad files whole and flags the error") {
  const std::string dir = testsupport::fixture("node/textfile/bad");
  pinMtimes(dir);
  auto out = renderDirectory(dir);
  CHECK(out.status.isOk());
  CHECK(out.text.find("node_textfile_scrape_error 1") != std::string::npos);
  CHECK(out.text.find("innocent_bystander") == std::string::npos);
  testsupport::checkGolden("node/golden/textfile_bad.prom", withoutFixtureRoot(out.text));
}

TEST_CASE("textfile collector reads every directory a glob matches") {
  pinMtimes(testsupport::fixture("node/textfile/good"));
  pinMtimes(testsupport::fixture("node/textfile/bad"));
  auto out = renderDirectory(testsupport::fixture("node/textfile/*"));
  CHECK(out.text.find("raid_degraded{md=\"md0\"} 0") != std::string::npos);
  CHECK(out.text.find("job_size_bytes_count 8") != std::string::npos);
  CHECK(out.text.find("node_textfile_scrape_error 1") != std::string::npos);
}

TEST_CASE("textfile collector with no directory serves only the error gauge") {
  auto out = renderDirectory("");
  CHECK(out.status.isOk());
  CHECK(out.text ==
        "# HELP node_textfile_scrape_error 1 if there was an error opening or reading a file, 0 "
        "otherwise\n"
        "# TYPE node_textfile_scrape_error gauge\n"
        "node_textfile_scrape_error 0\n");
}

TEST_CASE("textfile collector with a missing directory reports the error") {
  auto out = renderDirectory("/nonexistent/textfiles");
  CHECK(out.status.isOk());  // as upstream: the collector succeeds, the gauge says 1
  CHECK(out.text.find("node_textfile_scrape_error 1") != std::string::npos);
}
