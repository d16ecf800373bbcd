// Placeholder until the dovecot collector lands: registered, off by default.
#include "mail/collectors/collectors.h"

namespace mail {

void registerDovecotCollector(runtime::CollectorRegistry& registry, const Options&) {
  class Pending : public runtime::Collector {
    runtime::Status update(runtime::MetricSink&) override {
      return runtime::Status::failure("the dovecot collector is not built yet");
    }
  };
  registry.add({.name = "dovecot",
                .enabled_by_default = false,
                .help = "Dovecot (not built yet).",
                .make = [] { return std::make_unique<Pending>(); }});
}

}  // namespace mail
