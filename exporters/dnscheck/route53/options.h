#pragma once
// Flags shared by the route53 collector and the repair command.

#include <string>

#include "dnscheck/route53/client.h"

namespace CLI {
class App;
}

namespace dnscheck::route53 {

struct Options {
  std::string endpoint = kDefaultEndpoint;
  double timeout_seconds = 10;    // one API request
  double interval_seconds = 300;  // between two reads of the zones (collector)
};

// --route53.endpoint and --route53.timeout (and --route53.interval when
// `with_interval`: the collector's).
void addFlags(CLI::App& app, Options& options, bool with_interval);

ClientOptions clientOptions(const Options& options);

}  // namespace dnscheck::route53
