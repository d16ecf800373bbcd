#pragma once
// tern-mail's own flags, filled when the command line is parsed and read by
// the collectors when they are built (after parsing).

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace mail {

struct PostfixOptions {
  // postfix_exporter's flags and defaults.
  std::string showq_path = "/var/spool/postfix/public/showq";
  std::string logfile_path = "/var/log/mail.log";
  bool docker_enable = false;       // read the log of a Docker container instead
  std::string docker_container_id;  // its id or name (Mailcow: postfix-mailcow)
  std::string docker_socket = "/var/run/docker.sock";
  std::string docker_root = "/var/lib/docker";
  // Fallback when the showq socket cannot be read: `postqueue -j`.
  std::string postqueue_path = "postqueue";
  double timeout_seconds = 5;
};

struct DovecotOptions {
  std::string stats_socket = "/var/run/dovecot/stats-reader";
  std::string openmetrics_url;  // e.g. http://127.0.0.1:9900/metrics; empty: the socket
  double timeout_seconds = 5;
  // anvil (what `doveadm who` reads), for sessions by protocol; empty: the
  // file "anvil" next to stats_socket.
  std::string anvil_socket;
  // metric=field[,field...]: the group_by of metrics beyond the shipped
  // dovecot-metrics.conf (the dump names no label).
  std::vector<std::string> group_by;
};

struct MailcowOptions {
  std::string url;           // e.g. https://mail.example.org; empty: the collector fails clearly
  std::string api_key_file;  // or the environment variable MAILCOW_API_KEY
  bool mailboxes = false;    // per-mailbox series (thousands on a large install)
  bool tls_verify = true;
  // Below Prometheus' default 10 s scrape timeout (the scrape deadline is
  // that minus 0.5 s): a stuck endpoint still leaves the others' answers in.
  double timeout_seconds = 8;
};

struct Options {
  PostfixOptions postfix;
  DovecotOptions dovecot;
  MailcowOptions mailcow;
};

void addFlags(CLI::App& flags, Options& options);

}  // namespace mail
