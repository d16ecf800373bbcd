// Placeholder until the mailcow collector lands: registered, off by default.
#include "mail/collectors/collectors.h"

namespace mail {

void registerMailcowCollector(runtime::CollectorRegistry& registry, const Options&) {
  class Pending : public runtime::Collector {
    runtime::Status update(runtime::MetricSink&) override {
      return runtime::Status::failure("the mailcow collector is not built yet");
    }
  };
  registry.add({.name = "mailcow",
                .enabled_by_default = false,
                .help = "Mailcow (not built yet).",
                .make = [] { return std::make_unique<Pending>(); }});
}

}  // namespace mail
