#include "dnscheck/probe_handler.h"

#include <algorithm>
#include <cstdlib>

#include "dnscheck/probe/probe.h"
#include "runtime/text_format.h"

namespace dnscheck {

namespace {

runtime::HttpResponse badRequest(std::string message) {
  runtime::HttpResponse response;
  response.status = 400;
  response.body = std::move(message) + "\n";
  return response;
}

}  // namespace

runtime::HttpResponse serveProbe(const probe::Modules& modules,
                                 const runtime::HttpRequest& request) {
  std::string module_name = request.queryParam("module").value_or("");
  if (module_name.empty()) module_name = "http_2xx";  // blackbox's default
  auto module = modules.find(module_name);
  if (module == modules.end()) return badRequest("Unknown module \"" + module_name + "\"");
  const std::string target = request.queryParam("target").value_or("");
  if (target.empty()) return badRequest("Target parameter is missing");

  // blackbox: the module's timeout, capped by Prometheus' scrape timeout
  // minus 0.5 s; without either, 120 s minus 0.5 s.
  double seconds = 119.5;
  const std::string header = request.header("X-Prometheus-Scrape-Timeout-Seconds");
  if (!header.empty()) {
    char* end = nullptr;
    double scrape = std::strtod(header.c_str(), &end);
    if (end != header.c_str() && scrape > 0.5) seconds = scrape - 0.5;
  }
  const double module_seconds = module->second.timeout.count() / 1000.0;
  if (module_seconds > 0 && module_seconds < seconds) seconds = module_seconds;

  runtime::MetricSink sink;
  probe::runProbe(module->second, target,
                  std::chrono::milliseconds(static_cast<long long>(seconds * 1000)), sink);
  std::vector<runtime::MetricFamily> families;
  sink.drainInto(families);
  runtime::sortAndMerge(families);
  runtime::HttpResponse response;
  response.content_type = runtime::kTextContentType;
  runtime::writeTextFormat(families, response.body);
  response.compressible = true;
  return response;
}

}  // namespace dnscheck
