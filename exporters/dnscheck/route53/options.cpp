#include "dnscheck/route53/options.h"

#include <CLI/CLI.hpp>

namespace dnscheck::route53 {

void addFlags(CLI::App& app, Options& options, bool with_interval) {
  app.add_option("--route53.endpoint", options.endpoint,
                 "Route53 API endpoint (tests point it at a local server); requests are signed "
                 "for us-east-1")
      ->capture_default_str();
  app.add_option("--route53.timeout", options.timeout_seconds,
                 "Seconds one Route53 API request may take")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  if (with_interval)
    app.add_option("--route53.interval", options.interval_seconds,
                   "Seconds between two reads of the declared Route53 zones (scrapes read the "
                   "last result; Route53 allows 5 requests per second per account)")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
}

ClientOptions clientOptions(const Options& options) {
  ClientOptions out;
  out.endpoint = options.endpoint;
  out.timeout = std::chrono::milliseconds(static_cast<long long>(options.timeout_seconds * 1000));
  return out;
}

}  // namespace dnscheck::route53
