#include "mail/collectors/collectors.h"

namespace mail {

void registerAllCollectors(runtime::CollectorRegistry& registry, const Options& options) {
  registerDovecotCollector(registry, options);
  registerMailcowCollector(registry, options);
  registerPostfixCollector(registry, options);
}

}  // namespace mail
