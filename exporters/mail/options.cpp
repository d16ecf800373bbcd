#include "mail/options.h"

namespace mail {

void addFlags(CLI::App& flags, Options& options) {
  PostfixOptions& postfix = options.postfix;
  flags
      .add_option("--postfix.showq_path", postfix.showq_path,
                  "Path at which Postfix places its showq socket.")
      ->capture_default_str()
      ->group("Postfix");
  flags
      .add_option("--postfix.logfile_path", postfix.logfile_path,
                  "Path where Postfix writes log entries.")
      ->capture_default_str()
      ->group("Postfix");
  flags
      .add_option("--postfix.postqueue_path", postfix.postqueue_path,
                  "postqueue, run as `postqueue -j` when the showq socket cannot be read.")
      ->capture_default_str()
      ->group("Postfix");
  flags
      .add_option("--postfix.timeout", postfix.timeout_seconds,
                  "Seconds one read of the queue may take.")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->group("Postfix");
  flags
      .add_flag("--docker.enable,!--no-docker.enable", postfix.docker_enable,
                "Read Postfix's log from a Docker container's log instead of a file.")
      ->group("Postfix");
  flags
      .add_option("--docker.container.id", postfix.docker_container_id,
                  "The container whose log is Postfix's (Mailcow: postfix-mailcow).")
      ->group("Postfix");
  flags.add_option("--docker.socket", postfix.docker_socket, "Docker daemon socket.")
      ->capture_default_str()
      ->group("Postfix");
  flags
      .add_option("--docker.root", postfix.docker_root,
                  "Docker's data root as seen by this process (container logs are read from it).")
      ->capture_default_str()
      ->group("Postfix");

  DovecotOptions& dovecot = options.dovecot;
  flags
      .add_option("--dovecot.socket-path", dovecot.stats_socket,
                  "Dovecot's stats-reader socket (what `doveadm stats dump` reads).")
      ->capture_default_str()
      ->group("Dovecot");
  flags
      .add_option("--dovecot.openmetrics-url", dovecot.openmetrics_url,
                  "Dovecot's OpenMetrics listener (service stats { inet_listener http }), e.g. "
                  "http://127.0.0.1:9900/metrics: when set, the metrics are read there instead of "
                  "the stats-reader socket, with their label names (no --dovecot.group-by needed).")
      ->group("Dovecot");
  flags
      .add_option("--dovecot.anvil-socket-path", dovecot.anvil_socket,
                  "Dovecot's anvil socket (what `doveadm who` reads), for sessions by protocol; "
                  "default: \"anvil\" next to the stats-reader socket.")
      ->group("Dovecot");
  flags
      .add_option("--dovecot.group-by", dovecot.group_by,
                  "metric=field[,field...]: the group_by of a metric in dovecot.conf, for label "
                  "names (repeatable; the shipped dovecot-metrics.conf's are built in).")
      ->group("Dovecot");
  flags.add_option("--dovecot.timeout", dovecot.timeout_seconds, "Seconds one read may take.")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->group("Dovecot");

  MailcowOptions& mailcow = options.mailcow;
  flags.add_option("--mailcow.url", mailcow.url, "Mailcow's base URL (https://mail.example.org).")
      ->group("Mailcow");
  flags
      .add_option("--mailcow.api-key-file", mailcow.api_key_file,
                  "File holding Mailcow's read-only API key; without it, the environment variable "
                  "MAILCOW_API_KEY. Never a flag.")
      ->group("Mailcow");
  flags
      .add_flag("--mailcow.mailboxes,!--no-mailcow.mailboxes", mailcow.mailboxes,
                "Per-mailbox series (quota, messages, last login); thousands on a large install.")
      ->group("Mailcow");
  flags
      .add_flag("--mailcow.tls-verify,!--no-mailcow.tls-verify", mailcow.tls_verify,
                "Verify Mailcow's TLS certificate.")
      ->group("Mailcow");
  flags
      .add_option("--mailcow.timeout", mailcow.timeout_seconds, "Seconds one API request may take.")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->group("Mailcow");
}

}  // namespace mail
