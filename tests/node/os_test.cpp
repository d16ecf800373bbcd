// The os collector and the os-release parser. The golden file was checked
// against prometheus-node-exporter 1.5.0 on the same fixture
// (--collector.disable-defaults --collector.os --path.rootfs): equal output.
// The parser cases below were each run through node_exporter 1.5.0 too
// (quotes, escapes, trailing comments, "export", the errors).

#include <doctest/doctest.h>

#include "collectors/collectors.h"
#include "procfs/os_release.h"
#include "support/golden.h"
#include "support/temp_tree.h"

TEST_CASE("parseOsRelease") {
  SUBCASE("empty") {
    auto release = procfs::parseOsRelease("");
    REQUIRE(release);
    CHECK(release->empty());
  }
  SUBCASE("real Debian sample") {
    auto release = procfs::parseOsRelease(
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
        "NAME=\"Debian GNU/Linux\"\n"
        "VERSION_ID=\"12\"\n"
        "VERSION_CODENAME=bookworm\n"
        "ID=debian\n");
    REQUIRE(release);
    CHECK(release->at("PRETTY_NAME") == "Debian GNU/Linux 12 (bookworm)");
    CHECK(release->at("VERSION_ID") == "12");
    CHECK(release->at("VERSION_CODENAME") == "bookworm");
  }
  SUBCASE("quoting, comments and spacing as envparse reads them") {
    auto release = procfs::parseOsRelease(
        "# a comment\n"
        "   # an indented comment\n"
        "  \n"
        "NAME=Fed ora  # trailing comment\n"
        "\tVERSION_ID = 7 \n"
        "PRETTY_NAME='single # quoted'\n"
        "VARIANT=\"Server \\\"x\\\" \\\\ \\tEdition\" # trailing\n"
        "ID=a#b\n"
        "export BUILD_ID=abc\n"
        "IMAGE_ID=\n"
        "ID_LIKE=caf\xc3\xa9\n");
    REQUIRE(release);
    CHECK(release->at("NAME") == "Fed ora");
    CHECK(release->at("VERSION_ID") == "7");
    CHECK(release->at("PRETTY_NAME") == "single # quoted");
    CHECK(release->at("VARIANT") == "Server \"x\" \\ \tEdition");
    CHECK(release->at("ID") == "a");
    CHECK(release->at("BUILD_ID") == "abc");
    CHECK(release->at("IMAGE_ID") == "");
    CHECK(release->at("ID_LIKE") == "caf\xc3\xa9");
  }
  SUBCASE("the last of a repeated key wins") {
    auto release = procfs::parseOsRelease("NAME=Fedora\nNAME=Other\n");
    REQUIRE(release);
    CHECK(release->at("NAME") == "Other");
  }
  SUBCASE("malformed, with the line number") {
    auto missing_eq = procfs::parseOsRelease("NAME=Fedora\ngarbage line\n");
    REQUIRE_FALSE(missing_eq);
    CHECK(missing_eq.error() == "line 2: missing =");
    CHECK_FALSE(procfs::parseOsRelease("NAME=\"Fedora\n"));
    CHECK_FALSE(procfs::parseOsRelease("NAME='Fedora\n"));
    CHECK_FALSE(procfs::parseOsRelease("NAME=\"a\\$b\"\n"));
    CHECK_FALSE(procfs::parseOsRelease("NAME=\"a\\"));
    CHECK_FALSE(procfs::parseOsRelease("=value\n"));
    CHECK_FALSE(procfs::parseOsRelease("1NAME=value\n"));
    CHECK_FALSE(procfs::parseOsRelease("NAME=a\tb\n"));
    CHECK_FALSE(procfs::parseOsRelease("export  NAME=x\n"));
  }
}

TEST_CASE("osVersionNumber") {
  CHECK(procfs::osVersionNumber("12") == 12);
  CHECK(procfs::osVersionNumber("22.04") == doctest::Approx(22.04));
  CHECK(procfs::osVersionNumber("3.17.2") == doctest::Approx(3.17));
  CHECK(procfs::osVersionNumber("12.") == 12);
  CHECK(procfs::osVersionNumber("7server") == 7);
  CHECK(procfs::osVersionNumber("rolling") == 0);
  CHECK(procfs::osVersionNumber("") == 0);
}

TEST_CASE("os collector against fixtures") {
  auto collector =
      testsupport::buildCollector(node::registerOsCollector, testsupport::nodeFixturePaths());
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  testsupport::checkGolden("node/golden/os.prom", out.text);
}

TEST_CASE("os collector falls back to /usr/lib/os-release") {
  testsupport::TempTree tree;
  tree.write("usr/lib/os-release", "NAME=Fedora\nID=fedora\nVERSION_ID=38\nVARIANT_ID=server\n");
  hostfs::Paths paths;
  paths.rootfs = tree.root();
  auto out = testsupport::render(*testsupport::buildCollector(node::registerOsCollector, paths));
  CHECK(out.status.isOk());
  CHECK(out.text.find("variant_id=\"server\"") != std::string::npos);
  CHECK(out.text.find("node_os_version{id=\"fedora\",id_like=\"\",name=\"Fedora\"} 38\n") !=
        std::string::npos);
}

TEST_CASE("os collector without a version number leaves node_os_version out") {
  testsupport::TempTree tree;
  tree.write("etc/os-release", "NAME=\"Arch Linux\"\nID=arch\nBUILD_ID=rolling\n");
  hostfs::Paths paths;
  paths.rootfs = tree.root();
  auto out = testsupport::render(*testsupport::buildCollector(node::registerOsCollector, paths));
  CHECK(out.status.isOk());
  CHECK(out.text.find("node_os_info{build_id=\"rolling\"") != std::string::npos);
  CHECK(out.text.find("node_os_version") == std::string::npos);
}

TEST_CASE("os collector with missing or malformed files") {
  SUBCASE("neither file: no data") {
    hostfs::Paths paths;
    paths.rootfs = "/nonexistent";
    auto out = testsupport::render(*testsupport::buildCollector(node::registerOsCollector, paths));
    CHECK_FALSE(out.status.isOk());
    CHECK(out.status.isNoData());
    CHECK(out.status.message().find("/nonexistent/etc/os-release") != std::string::npos);
  }
  SUBCASE("malformed: failure naming the path, no fallback") {
    testsupport::TempTree tree;
    tree.write("etc/os-release", "NAME=\"unterminated\n");
    tree.write("usr/lib/os-release", "NAME=fine\n");
    hostfs::Paths paths;
    paths.rootfs = tree.root();
    auto out = testsupport::render(*testsupport::buildCollector(node::registerOsCollector, paths));
    CHECK_FALSE(out.status.isOk());
    CHECK_FALSE(out.status.isNoData());
    CHECK(out.status.message().find(tree.path("etc/os-release")) != std::string::npos);
    CHECK(out.text.empty());
  }
}
