#include "dnscheck/options.h"

#include <stdexcept>

#include "dnscheck/declared_loader.h"

namespace dnscheck {

void addFlags(CLI::App& flags, Options& options) {
  flags
      .add_option("--config.declared", options.declared_file,
                  "YAML file of the declared state: records, sites, TLS endpoints, Route53 zones "
                  "(scheduled checks).")
      ->group("Checks");
  flags
      .add_option("--config.file", options.module_file,
                  "blackbox_exporter's module file (modules: of prober http, tcp, dns), for "
                  "/probe?target=&module=.")
      ->group("Checks");
  flags
      .add_option("--dns.timeout", options.dns_timeout_seconds,
                  "Seconds a DNS query may take, retries included, before it counts as failed.")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->group("Checks");
  flags
      .add_option("--dns.authoritative-port", options.authoritative_port,
                  "Port asked on the authoritative servers found by NS lookup.")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535))
      ->group("Checks");
  flags
      .add_option("--probe.concurrency", options.probe_concurrency,
                  "Site and TLS probes of the scheduled mode run at once.")
      ->capture_default_str()
      ->check(CLI::Range(1, 256))
      ->group("Checks");
}

void State::load() {
  if (options.declared_file.empty() && options.module_file.empty())
    throw std::runtime_error(
        "nothing to check: give --config.declared (scheduled checks) and/or --config.file "
        "(blackbox modules for /probe)");
  if (!options.declared_file.empty()) declared = loadDeclaredState(options.declared_file);
  if (!options.module_file.empty()) modules = probe::loadModules(options.module_file);
  SchedulerOptions scheduler_options;
  scheduler_options.checks.timeout =
      std::chrono::milliseconds(static_cast<long long>(options.dns_timeout_seconds * 1000));
  scheduler_options.checks.authoritative_port =
      static_cast<std::uint16_t>(options.authoritative_port);
  scheduler_options.probe_concurrency = static_cast<std::size_t>(options.probe_concurrency);
  scheduler = std::make_unique<Scheduler>(declared, scheduler_options);
}

}  // namespace dnscheck
