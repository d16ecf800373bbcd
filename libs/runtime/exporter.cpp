#include "runtime/exporter.h"

#include "log/log.h"
#include "runtime/http_server.h"
#include "runtime/process_metrics.h"
#include "runtime/scraper.h"
#include "runtime/text_format.h"
#include "runtime/web_config.h"

#include <CLI/CLI.hpp>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <cstring>

#ifndef TERN_VERSION
#define TERN_VERSION "dev"
#endif
#ifndef TERN_REVISION
#define TERN_REVISION "unknown"
#endif
#ifndef TERN_BRANCH
#define TERN_BRANCH "unknown"
#endif

namespace runtime {

namespace {

std::string compilerName() {
#if defined(__clang__)
  return "clang " __clang_version__;
#elif defined(__GNUC__)
  return "gcc " __VERSION__;
#else
  return "unknown";
#endif
}

}  // namespace

std::string versionString(const ExporterInfo& info) {
  return info.program + ", version " TERN_VERSION " (branch: " TERN_BRANCH
                        ", revision: " TERN_REVISION ")\n  built with: " +
         compilerName();
}

struct Exporter::Serving {
  std::unique_ptr<Scraper> scraper;
  ProcessCollector process;
  // promhttp_metric_handler_* as client_golang has them, for dashboards that use them.
  std::atomic<std::uint64_t> scrapes_ok{0};
  std::atomic<std::uint64_t> scrapes_rejected{0};
  std::atomic<int> in_flight{0};
  std::atomic<std::size_t> last_dropped_clashes{0};  // logged when it changes
  WebConfig web_config;
  std::unique_ptr<BasicAuthVerifier> auth;
  HttpServer server;
};

Exporter::Exporter(ExporterInfo info)
    : info_(std::move(info)), app_(std::make_unique<CLI::App>(info_.description, info_.program)) {
  CLI::App& app = *app_;
  app.get_formatter()->column_width(48);
  app.set_version_flag("--version", [this] { return versionString(info_); });
  options_.listen_addresses = {info_.default_listen_address};
  app.add_option("--web.listen-address", options_.listen_addresses,
                 "Addresses on which to expose metrics and web interface. Repeatable.")
      ->capture_default_str()
      ->group("Web");
  app.add_option("--web.telemetry-path", options_.telemetry_path,
                 "Path under which to expose metrics.")
      ->capture_default_str()
      ->group("Web");
  app.add_option("--web.config.file", options_.web_config_file,
                 "Path to a configuration file that can enable TLS or basic authentication "
                 "(exporter-toolkit format).")
      ->group("Web");
  app.add_flag("--web.disable-exporter-metrics", options_.disable_exporter_metrics,
               "Exclude metrics about the exporter itself (process_*, promhttp_*).")
      ->group("Web");
  app.add_option("--web.max-requests", options_.max_requests,
                 "Maximum number of parallel scrape requests. Use 0 to disable.")
      ->capture_default_str()
      ->group("Web");
  app.add_option("--scrape.timeout", options_.scrape_timeout_seconds,
                 "Seconds a scrape waits for collectors before answering without the slow "
                 "ones; lowered to Prometheus' X-Prometheus-Scrape-Timeout-Seconds minus 0.5 s.")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->group("Web");
  app.add_option("--log.level", options_.log_level,
                 "Only log messages with the given severity or above.")
      ->capture_default_str()
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->group("Logging");
  app.add_option("--log.format", options_.log_format, "Output format of log messages.")
      ->capture_default_str()
      ->check(CLI::IsMember({"logfmt", "json"}))
      ->group("Logging");
}

Exporter::~Exporter() = default;

CLI::App& Exporter::flags() { return *app_; }

void Exporter::route(const std::string& path, Handler handler) {
  extra_routes_.emplace_back(path, std::move(handler));
}

void Exporter::afterParse(std::function<void()> hook) { after_parse_.push_back(std::move(hook)); }

std::optional<int> Exporter::prepare(int argc, const char* const* argv) {
  registry_.addFlags(*app_);
  // CLI11 2.1 reads "--flag=" (an empty value, which kingpin accepts) as a
  // flag still waiting for its value and takes the next argument instead:
  // "--collector.textfile.directory= --web.listen-address=..." would lose the
  // listen address. Spell an empty value as its own argument.
  std::vector<std::string> args;
  for (int i = argc - 1; i >= 1; --i) {
    std::string arg = argv[i];
    if (arg.starts_with("--") && arg.back() == '=') {
      args.emplace_back("");
      arg.pop_back();
    }
    args.push_back(std::move(arg));
  }
  try {
    app_->parse(args);  // CLI11 takes the arguments in reverse order
  } catch (const CLI::ParseError& e) {
    int code = app_->exit(e);  // prints help, version or the error
    return code == 0 ? 0 : 2;
  }
  logging::configure(*logging::parseLevel(options_.log_level),
                     *logging::parseFormat(options_.log_format));

  serving_ = std::make_unique<Serving>();
  try {
    for (const auto& hook : after_parse_) hook();
    if (!options_.web_config_file.empty()) {
      serving_->web_config = loadWebConfig(options_.web_config_file);
    }
    serving_->scraper = std::make_unique<Scraper>(info_.metric_namespace, registry_.build());
  } catch (const std::exception& e) {
    LOG_ERROR("cannot start", {"err", e.what()});
    return 1;
  }
  serving_->auth = std::make_unique<BasicAuthVerifier>(serving_->web_config.basic_auth_users);
  for (const std::string& address : options_.listen_addresses) {
    if (!parseListenAddress(address)) {
      LOG_ERROR("invalid --web.listen-address", {"address", address});
      return 2;
    }
  }

  return std::nullopt;
}

std::string Exporter::render(std::chrono::steady_clock::time_point deadline) {
  std::vector<MetricFamily> families;
  families.reserve(256);
  serving_->scraper->scrape(deadline, families);
  MetricSink sink;
  // build_info stays with --web.disable-exporter-metrics, as in node_exporter.
  sink.gauge(info_.build_info_name,
             "A metric with a constant '1' value labeled by version, revision, branch, and "
             "compiler from which " + info_.program + " was built.",
             1,
             {{"branch", TERN_BRANCH},
              {"compiler", compilerName()},
              {"revision", TERN_REVISION},
              {"version", TERN_VERSION}});
  if (!options_.disable_exporter_metrics) {
    serving_->process.update(sink);
    auto& requests = sink.counter("promhttp_metric_handler_requests_total",
                                  "Total number of scrapes by HTTP status code.");
    addSample(requests, static_cast<double>(serving_->scrapes_ok.load()), {{"code", "200"}});
    addSample(requests, 0, {{"code", "500"}});
    addSample(requests, static_cast<double>(serving_->scrapes_rejected.load()), {{"code", "503"}});
    // Encoding into a string cannot fail here; the family exists for dashboards.
    auto& errors = sink.counter("promhttp_metric_handler_errors_total",
                                "Total number of internal errors encountered by the promhttp metric handler.");
    addSample(errors, 0, {{"cause", "encoding"}});
    addSample(errors, 0, {{"cause", "gathering"}});
    sink.gauge("promhttp_metric_handler_requests_in_flight",
               "Current number of scrapes being served.", serving_->in_flight.load());
  }
  sink.drainInto(families);
  std::size_t dropped = sortAndMerge(families);
  if (dropped != serving_->last_dropped_clashes.exchange(dropped) && dropped > 0) {
    LOG_WARN("dropped series that clash with others of the same name (a textfile?)",
             {"series", dropped});
  }
  std::string body;
  body.reserve(64 << 10);
  writeTextFormat(families, body);
  return body;
}

HttpResponse Exporter::serveMetrics(const HttpRequest& request) {
  Serving& serving = *serving_;
  HttpResponse response;
  // In flight counts every request in the handler, rejected ones too, as
  // promhttp's gauge does.
  int active = ++serving.in_flight;
  struct Leave {
    std::atomic<int>& count;
    ~Leave() { --count; }
  } leave{serving.in_flight};
  if (options_.max_requests > 0 && active > options_.max_requests) {
    ++serving.scrapes_rejected;
    response.status = 503;
    response.body = "Too many concurrent scrapes\n";
    return response;
  }
  double timeout = options_.scrape_timeout_seconds;
  const std::string header = request.header("X-Prometheus-Scrape-Timeout-Seconds");
  if (!header.empty()) {
    char* end = nullptr;
    double prometheus_timeout = std::strtod(header.c_str(), &end);
    if (end != header.c_str() && prometheus_timeout - 0.5 > 0 && prometheus_timeout - 0.5 < timeout)
      timeout = prometheus_timeout - 0.5;
  }
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                      std::chrono::duration<double>(timeout));
  ++serving.scrapes_ok;
  response.body = render(deadline);
  response.content_type = kTextContentType;
  response.compressible = true;
  return response;
}

namespace {
std::atomic<bool> g_signal_blocked{false};

void blockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  // Every thread started after this inherits the mask, so only the main
  // thread's sigwait() sees the signals.
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  g_signal_blocked = true;
}
}  // namespace

int Exporter::run(int argc, char** argv) {
  blockStopSignals();
  // Memory: one malloc arena (a second one, per extra thread, would hold its
  // own free pages), and large per-scrape buffers (the exposition body, the
  // families) come from mmap and go back to the kernel when freed.
  mallopt(M_ARENA_MAX, 1);
  // As Go programs do (node_exporter among them): the soft descriptor limit
  // up to the hard one, so collectors may keep sysfs files open.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  mallopt(M_MMAP_THRESHOLD, 64 << 10);
  mallopt(M_TRIM_THRESHOLD, 128 << 10);
  if (auto exit_code = prepare(argc, argv)) return *exit_code;
  if (on_start_) {
    if (auto exit_code = on_start_()) return *exit_code;
  }
  return serve();
}

int Exporter::serve() {
  Serving& serving = *serving_;
  LOG_INFO(("Starting " + info_.program).c_str(), {"version", TERN_VERSION},
           {"revision", TERN_REVISION});
  for (const std::string& name : registry_.enabledNames()) {
    LOG_INFO("Enabled collector", {"collector", name});
  }

  const std::string landing_page =
      "<html><head><title>" + info_.program + "</title></head><body><h1>" + info_.program +
      "</h1><p>" + info_.description + "</p><p><a href=\"" + options_.telemetry_path +
      "\">Metrics</a></p><p>Version: " TERN_VERSION " (" TERN_REVISION ")</p></body></html>\n";

  HttpServer& server = serving.server;
  server.route("/", [landing_page](const HttpRequest&) {
    HttpResponse response;
    response.content_type = "text/html; charset=utf-8";
    response.body = landing_page;
    return response;
  });
  server.route("/-/healthy", [](const HttpRequest&) {
    HttpResponse response;
    response.body = "Healthy\n";
    return response;
  });
  server.route("/-/ready", [](const HttpRequest&) {
    HttpResponse response;
    response.body = "Ready\n";
    return response;
  });
  for (const auto& [path, handler] : extra_routes_) server.route(path, handler);
  server.route(options_.telemetry_path,
               [this](const HttpRequest& request) { return serveMetrics(request); });
  if (add_routes_) add_routes_(server);
  if (serving.auth->enabled()) {
    server.setAuthenticator(
        [&serving](const std::string& authorization) { return serving.auth->verify(authorization); });
  }
  HttpServer::Options http_options;
  http_options.listen_addresses = options_.listen_addresses;
  http_options.tls = serving.web_config.tls;
  http_options.extra_headers = serving.web_config.headers;
  auto bound = server.start(http_options);
  if (!bound) {
    LOG_ERROR("cannot start HTTP server", {"err", bound.error()});
    return 1;
  }
  for (const std::string& address : *bound) {
    LOG_INFO("Listening on", {"address", address}, {"tls", serving.web_config.tls ? "true" : "false"});
  }

  int signal_number = 0;
  if (g_signal_blocked) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigwait(&set, &signal_number);
    LOG_INFO("Received signal, shutting down", {"signal", strsignal(signal_number)});
  }
  server.stop();
  LOG_INFO("Stopped");
  return 0;
}

}  // namespace runtime
