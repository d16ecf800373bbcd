// The built-in web page: firing and recently resolved alerts with filters by
// severity, instance and status. Rendered on the server from the same query
// as the API, with inline CSS and no script needed, so it works offline, in
// a locked-down browser and in `chromium --headless --dump-dom`.

#include "alerts/service.h"

namespace alerts {

namespace {

constexpr const char* kStyle = R"css(
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#1d2330;color:#fff;padding:10px 16px}header h1{font-size:18px;margin:0}
main{padding:12px 16px}form{display:flex;gap:8px;flex-wrap:wrap;align-items:end;margin-bottom:12px}
label{display:flex;flex-direction:column;font-size:12px;color:#555}
select,input,button{font:inherit;padding:4px 6px}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e3e5e8;vertical-align:top}
th{background:#eceef1;font-weight:600}
.sev{display:inline-block;padding:1px 6px;border-radius:3px;color:#fff;font-size:12px}
.sev-emergency{background:#7b1fa2}.sev-critical{background:#c62828}.sev-warning{background:#ef6c00}
.sev-info{background:#1565c0}.sev-other{background:#607d8b}
tr.resolved td{color:#6b7280}.status-firing{color:#c62828;font-weight:600}
.status-resolved{color:#2e7d32}.summary{color:#555;font-size:12px}.muted{color:#6b7280}
nav a{margin-right:8px}
)css";

std::string selectBox(const std::string& name, const std::string& current,
                      std::initializer_list<const char*> options) {
  std::string out =
      "<select name=\"" + name + "\" id=\"" + name + "\"><option value=\"\">all</option>";
  for (const char* option : options) {
    out += "<option value=\"";
    out += option;
    out += "\"";
    if (current == option) out += " selected";
    out += ">";
    out += option;
    out += "</option>";
  }
  return out + "</select>";
}

std::string queryString(const AlertFilter& filter, int offset) {
  std::string out = "?limit=" + std::to_string(filter.limit) + "&offset=" + std::to_string(offset);
  auto add = [&](const char* key, const std::string& value) {
    if (value.empty()) return;
    out += "&";
    out += key;
    out += "=";
    for (unsigned char c : value) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
        out += static_cast<char>(c);
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", c);
        out += buf;
      }
    }
  };
  add("status", filter.status);
  add("severity", filter.severity);
  add("instance", filter.instance);
  return out;
}

}  // namespace

runtime::HttpResponse Service::page(const runtime::HttpRequest& request) {
  runtime::HttpResponse response;
  response.content_type = "text/html; charset=utf-8";
  response.compressible = true;
  AlertFilter filter;
  filter.limit = 200;
  std::string error;
  for (const auto& [key, value] : runtime::parseQuery(request.query)) {
    if (key == "status" && (value.empty() || value == "firing" || value == "resolved"))
      filter.status = value;
    if (key == "severity") filter.severity = value;
    if (key == "instance") filter.instance = value;
    if (key == "offset" && !value.empty() && value.size() < 9 &&
        value.find_first_not_of("0123456789") == std::string::npos)
      filter.offset = std::stoi(value);
  }
  AlertPage alerts;
  {
    std::lock_guard lock(mutex_);
    Store* store = storeLocked();
    if (!store) {
      error = "The alert store is unavailable: " + last_store_error_;
    } else if (auto page = store->list(filter)) {
      alerts = std::move(*page);
    } else {
      error = page.error().message;
    }
  }
  std::string& html = response.body;
  html.reserve(16384);
  html +=
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "<title>tern-alerts</title><style>";
  html += kStyle;
  html += "</style></head><body><header><h1>tern-alerts</h1></header><main>";
  html += "<form method=\"get\" action=\"/\" id=\"filters\">";
  html += "<label>Status" + selectBox("status", filter.status, {"firing", "resolved"}) + "</label>";
  html += "<label>Severity" +
          selectBox("severity", filter.severity, {"emergency", "critical", "warning", "info"}) +
          "</label>";
  html += "<label>Instance<input name=\"instance\" id=\"instance\" value=\"" +
          htmlEscape(filter.instance) + "\" placeholder=\"host:port\"></label>";
  html += "<button type=\"submit\">Filter</button> <a href=\"/\">reset</a></form>";
  if (!error.empty()) {
    html += "<p class=\"error\" id=\"error\">" + htmlEscape(error) + "</p>";
  }
  html += "<p class=\"muted\" id=\"count\">" + std::to_string(alerts.total) +
          " alert(s); firing first, then the most recently updated.</p>";
  html +=
      "<table id=\"alerts\"><thead><tr><th>Status</th><th>Severity</th><th>Alert</th>"
      "<th>Instance</th><th>Started</th><th>Ended</th><th>Flaps</th></tr></thead><tbody>";
  for (const AlertRow& a : alerts.alerts) {
    const std::string severity_class = (a.severity == "emergency" || a.severity == "critical" ||
                                        a.severity == "warning" || a.severity == "info")
                                           ? a.severity
                                           : "other";
    html += "<tr class=\"alert " + htmlEscape(a.status) + "\" data-fingerprint=\"" +
            htmlEscape(a.fingerprint) + "\" data-severity=\"" + htmlEscape(a.severity) +
            "\" data-status=\"" + htmlEscape(a.status) + "\">";
    html += "<td class=\"status-" + htmlEscape(a.status) + "\">" + htmlEscape(a.status) + "</td>";
    html += "<td><span class=\"sev sev-" + severity_class + "\">" +
            htmlEscape(a.severity.empty() ? "none" : a.severity) + "</span></td>";
    html += "<td><a href=\"/api/v1/alerts/" + htmlEscape(a.fingerprint) + "\">" +
            htmlEscape(a.alertname) + "</a>";
    if (!a.summary.empty()) html += "<div class=\"summary\">" + htmlEscape(a.summary) + "</div>";
    html += "</td><td>" + htmlEscape(a.instance) + "</td><td>" + htmlEscape(a.starts_at) +
            "</td><td>" +
            (a.status == "resolved" ? htmlEscape(a.ends_at) : std::string("&mdash;")) +
            "</td><td>" + std::to_string(a.flap_count) + "</td></tr>";
  }
  html += "</tbody></table><nav>";
  if (filter.offset > 0)
    html += "<a href=\"/" +
            htmlEscape(queryString(filter, std::max(0, filter.offset - filter.limit))) +
            "\">&larr; newer</a>";
  if (filter.offset + filter.limit < alerts.total)
    html += "<a href=\"/" + htmlEscape(queryString(filter, filter.offset + filter.limit)) +
            "\">older &rarr;</a>";
  html +=
      "</nav><p class=\"muted\"><a href=\"/api/v1/alerts\">JSON API</a> &middot; "
      "<a href=\"/api/v1/stats\">stats</a> &middot; <a href=\"/metrics\">metrics</a></p>";
  html += "</main></body></html>\n";
  return response;
}

}  // namespace alerts
