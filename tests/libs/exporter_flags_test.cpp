#include "runtime/exporter.h"

#include <doctest/doctest.h>

TEST_CASE("an empty --flag= value does not swallow the next flag") {
  runtime::Exporter exporter({.program = "t", .description = "t", .metric_namespace = "t",
                              .build_info_name = "t_build_info",
                              .default_listen_address = ":9999"});
  const char* argv[] = {"t", "--web.config.file=", "--web.listen-address=127.0.0.1:0"};
  auto exit_code = exporter.prepare(3, argv);
  CHECK_FALSE(exit_code.has_value());
  CHECK(exporter.options().web_config_file.empty());
  CHECK(exporter.options().listen_addresses == std::vector<std::string>{"127.0.0.1:0"});
}

TEST_CASE("bad flags exit with 2") {
  runtime::Exporter exporter({.program = "t", .description = "t", .metric_namespace = "t",
                              .build_info_name = "t_build_info",
                              .default_listen_address = ":9999"});
  const char* argv[] = {"t", "--no-such-flag"};
  CHECK(exporter.prepare(2, argv) == std::optional<int>(2));
}
