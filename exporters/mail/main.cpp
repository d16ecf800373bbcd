// tern-mail: mail server metrics. Postfix (the queue from showq, counters from
// its log) under postfix_exporter's names and flags, Dovecot's stats service,
// and Mailcow's API.

#include "mail/collectors/collectors.h"
#include "runtime/exporter.h"

int main(int argc, char** argv) {
  runtime::Exporter exporter({
      .program = "tern-mail",
      .description = "Prometheus exporter for Postfix, Dovecot and Mailcow, compatible with "
                     "postfix_exporter's metric names and flags.",
      .metric_namespace = "mail_exporter",
      .build_info_name = "mail_exporter_build_info",
      // postfix_exporter's port, so a unit file or compose entry keeps working.
      .default_listen_address = ":9154",
  });
  mail::Options options;
  mail::addFlags(exporter.flags(), options);
  mail::registerAllCollectors(exporter.collectors(), options);
  return exporter.run(argc, argv);
}
