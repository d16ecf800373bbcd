#include "runtime/exporter.h"

#include "log/log.h"
#include "runtime/process_metrics.h"
#include "runtime/scraper.h"
#include "runtime/text_format.h"
#include "runtime/web_config.h"

#include <CLI/CLI.hpp>
#include <httplib.h>
#include <malloc.h>
#include <openssl/ssl.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <thread>

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

struct ListenAddress {
  std::string host;
  int port = 0;
};

// ":9100", "127.0.0.1:9100", "[::1]:9100", "localhost:0".
std::optional<ListenAddress> parseListenAddress(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  ListenAddress address;
  address.host = text.substr(0, colon);
  if (address.host.size() >= 2 && address.host.front() == '[' && address.host.back() == ']')
    address.host = address.host.substr(1, address.host.size() - 2);
  if (address.host.empty()) address.host = "0.0.0.0";
  try {
    std::size_t used = 0;
    address.port = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || address.port < 0 || address.port > 65535)
      return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return address;
}

}  // namespace

std::string versionString(const ExporterInfo& info) {
  return info.program + ", version " TERN_VERSION " (branch: " TERN_BRANCH
                        ", revision: " TERN_REVISION ")\n  build with: " +
         compilerName();
}

struct Exporter::Serving {
  std::unique_ptr<Scraper> scraper;
  ProcessCollector process;
  std::shared_ptr<prometheus::Registry> own_metrics = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>* requests_total = nullptr;
  prometheus::Gauge* in_flight = nullptr;
  WebConfig web_config;
  std::unique_ptr<BasicAuthVerifier> auth;
  std::vector<std::unique_ptr<httplib::Server>> servers;
  std::atomic<int> active_requests{0};
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
               "Exclude metrics about the exporter itself (process_*, promhttp_*, build_info).")
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

std::optional<int> Exporter::prepare(int argc, const char* const* argv) {
  registry_.addFlags(*app_);
  try {
    app_->parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app_->exit(e);  // prints help, version or the error
    return code == 0 ? 0 : 2;
  }
  logging::configure(*logging::parseLevel(options_.log_level),
                     *logging::parseFormat(options_.log_format));

  serving_ = std::make_unique<Serving>();
  try {
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

  auto& requests = prometheus::BuildCounter()
                       .Name("promhttp_metric_handler_requests_total")
                       .Help("Total number of scrapes by HTTP status code.")
                       .Register(*serving_->own_metrics);
  for (const char* code : {"200", "500", "503"}) requests.Add({{"code", code}});
  serving_->requests_total = &requests;
  serving_->in_flight = &prometheus::BuildGauge()
                             .Name("promhttp_metric_handler_requests_in_flight")
                             .Help("Current number of scrapes being served.")
                             .Register(*serving_->own_metrics)
                             .Add({});
  return std::nullopt;
}

std::string Exporter::render(std::chrono::steady_clock::time_point deadline) {
  std::vector<MetricFamily> families;
  families.reserve(256);
  serving_->scraper->scrape(deadline, families);
  if (!options_.disable_exporter_metrics) {
    MetricSink sink;
    serving_->process.update(sink);
    sink.gauge(info_.build_info_name,
               "A metric with a constant '1' value labeled by version, revision, branch, and "
               "compiler from which " + info_.program + " was built.",
               1,
               {{"branch", TERN_BRANCH},
                {"compiler", compilerName()},
                {"revision", TERN_REVISION},
                {"version", TERN_VERSION}});
    sink.drainInto(families);
    for (auto& family : serving_->own_metrics->Collect()) families.push_back(std::move(family));
  }
  sortAndMerge(families);
  std::string body;
  body.reserve(64 << 10);
  writeTextFormat(families, body);
  return body;
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
  // The scrape runs on several threads; one malloc arena per thread would
  // hold memory for nothing. Two arenas keep contention low and RSS small.
  mallopt(M_ARENA_MAX, 2);
  if (auto exit_code = prepare(argc, argv)) return *exit_code;
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

  std::vector<std::thread> threads;
  for (const std::string& address_text : options_.listen_addresses) {
    ListenAddress address = *parseListenAddress(address_text);
    std::unique_ptr<httplib::Server> server;
    if (serving.web_config.tls) {
      const TlsServerConfig tls = *serving.web_config.tls;
      server = std::make_unique<httplib::SSLServer>([tls](SSL_CTX& ctx) {
        auto version = [](const std::string& name) {
          if (name == "TLS10") return TLS1_VERSION;
          if (name == "TLS11") return TLS1_1_VERSION;
          if (name == "TLS13") return TLS1_3_VERSION;
          return TLS1_2_VERSION;
        };
        SSL_CTX_set_min_proto_version(&ctx, version(tls.min_version));
        if (!tls.max_version.empty()) SSL_CTX_set_max_proto_version(&ctx, version(tls.max_version));
        if (SSL_CTX_use_certificate_chain_file(&ctx, tls.cert_file.c_str()) != 1 ||
            SSL_CTX_use_PrivateKey_file(&ctx, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_check_private_key(&ctx) != 1) {
          return false;
        }
        if (!tls.client_ca_file.empty()) {
          if (SSL_CTX_load_verify_locations(&ctx, tls.client_ca_file.c_str(), nullptr) != 1)
            return false;
          SSL_CTX_set_client_CA_list(&ctx, SSL_load_client_CA_file(tls.client_ca_file.c_str()));
        }
        int mode = SSL_VERIFY_NONE;
        if (tls.client_auth_type == "RequestClientCert" ||
            tls.client_auth_type == "VerifyClientCertIfGiven")
          mode = SSL_VERIFY_PEER;
        else if (tls.client_auth_type == "RequireAnyClientCert" ||
                 tls.client_auth_type == "RequireAndVerifyClientCert")
          mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
        bool verify = tls.client_auth_type == "RequireAndVerifyClientCert" ||
                      tls.client_auth_type == "VerifyClientCertIfGiven";
        // "Any" client certificate: presented, but not checked against a CA.
        int (*accept_any)(int, X509_STORE_CTX*) = [](int, X509_STORE_CTX*) { return 1; };
        SSL_CTX_set_verify(&ctx, mode, verify ? nullptr : accept_any);
        return true;
      });
      if (!server->is_valid()) {
        LOG_ERROR("cannot load TLS certificate or key", {"cert_file", tls.cert_file},
                  {"key_file", tls.key_file});
        return 1;
      }
    } else {
      server = std::make_unique<httplib::Server>();
    }
    // A few threads are plenty for a scraper or two; each idle one costs a stack.
    server->new_task_queue = [] { return new httplib::ThreadPool(4); };
    server->set_keep_alive_timeout(30);
    server->set_payload_max_length(64 << 10);

    httplib::Headers extra_headers;
    for (const auto& [name, value] : serving.web_config.headers) extra_headers.emplace(name, value);
    server->set_default_headers(extra_headers);

    server->set_pre_routing_handler([&serving](const httplib::Request& request,
                                               httplib::Response& response) {
      if (serving.auth->enabled() && !serving.auth->verify(request.get_header_value("Authorization"))) {
        response.status = 401;
        response.set_header("WWW-Authenticate", "Basic");
        response.set_content("Unauthorized\n", "text/plain; charset=utf-8");
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    server->Get("/", [landing_page](const httplib::Request&, httplib::Response& response) {
      response.set_content(landing_page, "text/html; charset=utf-8");
    });
    server->Get("/-/healthy", [](const httplib::Request&, httplib::Response& response) {
      response.set_content("Healthy\n", "text/plain; charset=utf-8");
    });
    server->Get("/-/ready", [](const httplib::Request&, httplib::Response& response) {
      response.set_content("Ready\n", "text/plain; charset=utf-8");
    });
    server->Get(options_.telemetry_path, [this, &serving](const httplib::Request& request,
                                                          httplib::Response& response) {
      int active = ++serving.active_requests;
      struct Leave {
        std::atomic<int>& count;
        ~Leave() { --count; }
      } leave{serving.active_requests};
      if (options_.max_requests > 0 && active > options_.max_requests) {
        serving.requests_total->Add({{"code", "503"}}).Increment();
        response.status = 503;
        response.set_content("Too many concurrent scrapes\n", "text/plain; charset=utf-8");
        return;
      }
      double timeout = options_.scrape_timeout_seconds;
      if (request.has_header("X-Prometheus-Scrape-Timeout-Seconds")) {
        try {
          double header = std::stod(request.get_header_value("X-Prometheus-Scrape-Timeout-Seconds"));
          if (header - 0.5 > 0 && header - 0.5 < timeout) timeout = header - 0.5;
        } catch (const std::exception&) {
        }
      }
      auto deadline = std::chrono::steady_clock::now() +
                      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                          std::chrono::duration<double>(timeout));
      serving.in_flight->Increment();
      serving.requests_total->Add({{"code", "200"}}).Increment();
      std::string body = render(deadline);
      serving.in_flight->Decrement();
      // httplib compresses text/* bodies with gzip when the request accepts it.
      response.set_content(std::move(body), kTextContentType);
    });

    int port = address.port;
    if (port == 0) {
      port = server->bind_to_any_port(address.host);
      if (port < 0) port = 0;
    } else if (!server->bind_to_port(address.host, port)) {
      port = 0;
    }
    if (port == 0) {
      LOG_ERROR("cannot listen", {"address", address_text}, {"err", std::strerror(errno)});
      for (auto& running : serving.servers) running->stop();
      for (auto& thread : threads) thread.join();
      return 1;
    }
    std::string shown_host = address.host.find(':') != std::string::npos ? "[" + address.host + "]"
                                                                        : address.host;
    LOG_INFO("Listening on", {"address", shown_host + ":" + std::to_string(port)},
             {"tls", serving.web_config.tls ? "true" : "false"});
    httplib::Server* raw = server.get();
    serving.servers.push_back(std::move(server));
    threads.emplace_back([raw] { raw->listen_after_bind(); });
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
  for (auto& server : serving.servers) server->stop();
  for (auto& thread : threads) thread.join();
  LOG_INFO("Stopped");
  return 0;
}

}  // namespace runtime
