#pragma once
// Loads the declared state (declared.h) from its YAML file, once, at start-up.
// Every mistake is a std::runtime_error "<file>:<line>: <reason>": unknown
// keys, missing fields, values that are not of their record's type, unknown
// resolvers, duplicate records, bad regexes.
//
//   check_interval: 60s
//   resolvers:                      # "system" and "authoritative" are built in;
//     - name: secondary             # naming "system" here replaces /etc/resolv.conf
//       servers: ["192.0.2.53:53"]
//   records:
//     - name: mail.example.com
//       type: A                     # A, AAAA, CNAME, MX, TXT, CAA
//       values: [192.0.2.10]
//       ttl: {min: 60, max: 3600}   # optional
//       resolvers: [system, authoritative, secondary]   # default [system]
//   sites:
//     - url: https://www.example.com/
//       status: [200]               # default any 2xx
//       body_regex: "Welcome"       # RE2, optional
//       ca_file: /etc/ssl/internal-ca.pem   # optional, default the system's CAs
//       timeout: 5s
//   tls:
//     - endpoint: mail.example.com:993
//       server_name: mail.example.com   # default the host
//       ca_file: /etc/ssl/internal-ca.pem  # optional
//   route53:
//     zones: [{id: Z0123456789ABCDEFGHIJ, name: example.com}]

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "dnscheck/declared.h"

namespace dnscheck {

DeclaredState loadDeclaredState(const std::string& path);
// The same from text, `source` naming it in messages (tests).
DeclaredState parseDeclaredState(const std::string& text, const std::string& source);

// "500ms", "5s", "1m30s", "2h", or a bare number of seconds.
std::optional<std::chrono::milliseconds> parseDurationText(std::string_view text);

}  // namespace dnscheck
