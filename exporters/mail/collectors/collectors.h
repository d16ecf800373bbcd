#pragma once
// Every tern-mail collector, registered in one place; each lives in its own
// file and is built after the flags have filled the options.

#include "mail/options.h"
#include "runtime/collector.h"

namespace mail {

void registerAllCollectors(runtime::CollectorRegistry& registry, const Options& options);

void registerPostfixCollector(runtime::CollectorRegistry&, const Options&);
void registerDovecotCollector(runtime::CollectorRegistry&, const Options&);
void registerMailcowCollector(runtime::CollectorRegistry&, const Options&);

}  // namespace mail
