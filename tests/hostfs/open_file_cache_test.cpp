#include "hostfs/open_file_cache.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>

#include "support/temp_tree.h"

namespace {

using hostfs::OpenFileBudget;
using hostfs::OpenFileCache;

// Replaces a file by a new one (a new inode), as a rename over it would.
void replace(const testsupport::TempTree& tree, const std::string& name, const std::string& text) {
  tree.write(name + ".new", text);
  std::filesystem::rename(tree.path(name + ".new"), tree.path(name));
}

TEST_CASE("OpenFileCache: a kept file reads its current content") {
  testsupport::TempTree tree;
  OpenFileBudget budget(100);
  OpenFileCache cache(budget);
  tree.write("a", "first\n");
  CHECK(cache.read(tree.path("a")).value() == "first\n");
  tree.write("a", "second, longer\n");  // rewritten in place: same inode
  CHECK(cache.read(tree.path("a")).value() == "second, longer\n");
  tree.write("a", "3\n");  // shorter: nothing of the old text is left over
  CHECK(cache.read(tree.path("a")).value() == "3\n");
  tree.write("a", "");
  CHECK(cache.read(tree.path("a")).value() == "");
  CHECK(cache.stats().opens == 1);
  CHECK(cache.stats().reads == 4);
  CHECK(cache.openFiles() == 1);
  CHECK(budget.used() == 1);
}

TEST_CASE("OpenFileCache: a deleted or replaced file is opened again by name") {
  testsupport::TempTree tree;
  OpenFileBudget budget(100);
  OpenFileCache cache(budget);
  tree.write("a", "old\n");
  REQUIRE(cache.read(tree.path("a")).value() == "old\n");

  SUBCASE("replaced") {
    replace(tree, "a", "new\n");
    CHECK(cache.read(tree.path("a")).value() == "new\n");
    CHECK(cache.stats().reopens == 1);
    CHECK(cache.openFiles() == 1);
    CHECK(cache.read(tree.path("a")).value() == "new\n");
    CHECK(cache.stats().opens == 2);
  }
  SUBCASE("deleted, then created again") {
    std::filesystem::remove(tree.path("a"));
    auto gone = cache.read(tree.path("a"));
    REQUIRE_FALSE(gone);
    CHECK(gone.error().error_number == ENOENT);
    CHECK(gone.error().notFound());
    CHECK(gone.error().message() == hostfs::readFile(tree.path("a")).error().message());
    CHECK(cache.openFiles() == 0);
    CHECK(budget.used() == 0);
    tree.write("a", "again\n");
    CHECK(cache.read(tree.path("a")).value() == "again\n");
    CHECK(cache.openFiles() == 1);
  }
}

TEST_CASE("OpenFileCache: entries not read during the last N sweeps are closed") {
  testsupport::TempTree tree;
  OpenFileBudget budget(100);
  OpenFileCache cache(budget, {.evict_after = 2});
  tree.write("a", "a");
  tree.write("b", "b");
  REQUIRE(cache.read(tree.path("a")));
  REQUIRE(cache.read(tree.path("b")));
  cache.sweep();  // both read in this round
  CHECK(cache.openFiles() == 2);
  REQUIRE(cache.read(tree.path("a")));
  cache.sweep();  // b unread for one round
  CHECK(cache.openFiles() == 2);
  REQUIRE(cache.read(tree.path("a")));
  cache.sweep();  // b unread for two rounds
  CHECK(cache.openFiles() == 1);
  CHECK(cache.stats().evictions == 1);
  CHECK(budget.used() == 1);
  CHECK(cache.read(tree.path("b")).value() == "b");  // opened again when wanted
  CHECK(cache.stats().opens == 3);
}

TEST_CASE("OpenFileCache: past the budget, files are opened, read and closed") {
  testsupport::TempTree tree;
  OpenFileBudget budget(2);
  tree.write("a", "a");
  tree.write("b", "b");
  tree.write("c", "c");
  {
    OpenFileCache first(budget);
    OpenFileCache second(budget);  // the budget is shared
    REQUIRE(first.read(tree.path("a")));
    REQUIRE(second.read(tree.path("b")));
    CHECK(budget.used() == 2);
    CHECK(first.read(tree.path("c")).value() == "c");
    CHECK(first.stats().uncached == 1);
    CHECK(first.openFiles() == 1);
    tree.write("c", "c2");
    CHECK(first.read(tree.path("c")).value() == "c2");
    CHECK(first.stats().uncached == 2);
    CHECK(budget.used() == 2);
  }
  CHECK(budget.used() == 0);  // closed with their caches

  OpenFileBudget none(0);
  OpenFileCache cache(none);
  CHECK(cache.read(tree.path("a")).value() == "a");
  CHECK(cache.openFiles() == 0);

  OpenFileCache capped(budget, {.max_open = 1});  // its own cap within the budget
  REQUIRE(capped.read(tree.path("a")));
  REQUIRE(capped.read(tree.path("b")));
  CHECK(capped.openFiles() == 1);
  CHECK(capped.stats().uncached == 1);
  CHECK(budget.used() == 1);
}

TEST_CASE("OpenFileCache: the size bound and errors of readFile") {
  testsupport::TempTree tree;
  OpenFileBudget budget(100);
  OpenFileCache cache(budget);
  const std::string exact(100, 'x');
  tree.write("f", exact);
  CHECK(cache.read(tree.path("f"), 100).value() == exact);
  tree.write("f", exact + "y");  // past the bound: an error, not a truncation
  auto large = cache.read(tree.path("f"), 100);
  REQUIRE_FALSE(large);
  CHECK(large.error().error_number == 0);
  CHECK(large.error().message() == hostfs::readFile(tree.path("f"), 100).error().message());
  CHECK(cache.read(tree.path("f"), 200).value() == exact + "y");
  const std::string big(100000, 'z');  // several reads' worth
  tree.write("f", big);
  CHECK(cache.read(tree.path("f")).value() == big);
  CHECK(cache.stats().opens == 1);

  OpenFileCache sysfs_like(budget, {.short_read_is_eof = true});  // full reads go on
  CHECK(sysfs_like.read(tree.path("f")).value() == big);
  tree.write("f", "short\n");
  CHECK(sysfs_like.read(tree.path("f")).value() == "short\n");

  auto missing = cache.read(tree.path("missing"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().error_number == ENOENT);
  CHECK(cache.openFiles() == 1);
}

TEST_CASE("OpenFileCache: a file that fails as it did when opened keeps its descriptor") {
  testsupport::TempTree tree;
  tree.write("dir/file", "");
  OpenFileBudget budget(100);
  OpenFileCache cache(budget);
  for (int i = 0; i < 3; ++i) {
    auto result = cache.read(tree.path("dir"));  // opens; reading says EISDIR
    REQUIRE_FALSE(result);
    CHECK(result.error().error_number == EISDIR);
  }
  CHECK(cache.stats().opens == 1);
  CHECK(cache.stats().reopens == 0);
  CHECK(cache.openFiles() == 1);
}

TEST_CASE("OpenFileBudget: half the descriptor limit, at most 8192") {
  CHECK(OpenFileBudget::limitFor(1024) == 512);
  CHECK(OpenFileBudget::limitFor(20000) == 8192);
  CHECK(OpenFileBudget::limitFor(1u << 20) == 8192);
  CHECK(OpenFileBudget::limitFor(0) == 0);
  CHECK(OpenFileBudget::process().limit() <= 8192);
}

TEST_CASE("oneShotReader reads as readFile does") {
  testsupport::TempTree tree;
  tree.write("a", "text\n");
  CHECK(hostfs::oneShotReader().read(tree.path("a"), 100).value() == "text\n");
  CHECK(hostfs::oneShotReader().read(tree.path("a"), 2).error().error_number == 0);
}

}  // namespace
