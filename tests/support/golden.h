#pragma once
// Helpers for collector tests: fixture trees and golden exposition files.
// Set UPDATE_GOLDEN=1 to rewrite golden files from the current output.

#include "hostfs/paths.h"
#include "runtime/collector.h"

#include <string>

namespace testsupport {

// tests/fixtures/<relative>
std::string fixture(const std::string& relative);

// Paths rooted at tests/fixtures/node/{proc,sys,rootfs,udev}.
hostfs::Paths nodeFixturePaths();

struct Rendered {
  runtime::Status status = runtime::Status::ok();
  std::string text;
};
// Runs one update and renders it as exposition text, sorted by family.
Rendered render(runtime::Collector& collector);

// Compares `actual` with tests/<relative>; a mismatch fails the test with a
// diff hint. With UPDATE_GOLDEN=1 the file is rewritten instead.
void checkGolden(const std::string& relative, const std::string& actual);

// Builds the named collector from a registry, with optional extra flags.
std::unique_ptr<runtime::Collector> buildCollector(
    void (*register_fn)(runtime::CollectorRegistry&, const hostfs::Paths&),
    const hostfs::Paths& paths, const std::vector<std::string>& flags = {});

}  // namespace testsupport
