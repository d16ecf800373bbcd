#include "runtime/filter.h"

#include <doctest/doctest.h>

#include <stdexcept>

TEST_CASE("NameFilter") {
  runtime::NameFilter none;
  CHECK_FALSE(none.ignored("eth0"));

  runtime::NameFilter exclude("", "^lo$", "--collector.netdev.device");
  CHECK(exclude.ignored("lo"));
  CHECK_FALSE(exclude.ignored("lo0"));

  runtime::NameFilter include("^eth", "", "--collector.netdev.device");
  CHECK_FALSE(include.ignored("eth0"));
  CHECK(include.ignored("wlan0"));

  CHECK_THROWS_AS(runtime::NameFilter("a", "b", "x"), std::invalid_argument);
  CHECK_THROWS_AS(runtime::NameFilter("(", "", "x"), std::invalid_argument);
}
