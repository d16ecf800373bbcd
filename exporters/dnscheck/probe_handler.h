#pragma once
// blackbox_exporter's multi-target endpoint: /probe?target=<t>&module=<m>
// runs one probe now and answers its series (only those: no process_* or
// scrape_* series, as blackbox).

#include <string>
#include <string_view>

#include "dnscheck/probe/module.h"
#include "runtime/http_server.h"

namespace dnscheck {

runtime::HttpResponse serveProbe(const probe::Modules& modules,
                                 const runtime::HttpRequest& request);

}  // namespace dnscheck
