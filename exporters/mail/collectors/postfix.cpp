// Placeholder until the postfix collector lands: registered, off by default.
#include "mail/collectors/collectors.h"

namespace mail {

void registerPostfixCollector(runtime::CollectorRegistry& registry, const Options&) {
  class Pending : public runtime::Collector {
    runtime::Status update(runtime::MetricSink&) override {
      return runtime::Status::failure("the postfix collector is not built yet");
    }
  };
  registry.add({.name = "postfix",
                .enabled_by_default = false,
                .help = "Postfix (not built yet).",
                .make = [] { return std::make_unique<Pending>(); }});
}

}  // namespace mail
