#include "shipper/config.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "runtime/yaml_error.h"

namespace shipper {

base::Expected<Duration> parseDuration(std::string_view text) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  if (text == "0") return Duration::zero();
  if (text.empty()) return base::unexpected("empty duration");
  if (text.front() == '-') return base::unexpected("negative duration " + quoted);
  // Longer units first, so "ms" is not read as minutes.
  static const std::pair<std::string_view, double> units[] = {
      {"ns", 1},   {"us", 1e3},   {"\xC2\xB5s", 1e3}, {"ms", 1e6},        {"s", 1e9},
      {"m", 60e9}, {"h", 3600e9}, {"d", 86400e9},     {"w", 7 * 86400e9}, {"y", 365 * 86400e9},
  };
  long double total = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    std::size_t digits = 0;
    while (digits < rest.size() &&
           (std::isdigit(static_cast<unsigned char>(rest[digits])) || rest[digits] == '.'))
      ++digits;
    if (digits == 0) return base::unexpected("bad duration " + quoted + ": expected a number");
    std::string number(rest.substr(0, digits));
    if (std::count(number.begin(), number.end(), '.') > 1 || number == ".")
      return base::unexpected("bad duration " + quoted + ": bad number " + number);
    rest.remove_prefix(digits);
    const std::pair<std::string_view, double>* unit = nullptr;
    for (const auto& candidate : units) {
      if (rest.starts_with(candidate.first)) {
        unit = &candidate;
        break;
      }
    }
    if (unit == nullptr)
      return base::unexpected("bad duration " + quoted +
                              ": missing or unknown unit (use ms, s, m, h, d, w, e.g. \"10s\")");
    rest.remove_prefix(unit->first.size());
    total += std::strtold(number.c_str(), nullptr) * unit->second;
  }
  if (total > static_cast<long double>(Duration::max().count()))
    return base::unexpected("duration " + quoted + " is too long");
  return Duration(static_cast<Duration::rep>(std::llroundl(total)));
}

namespace {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string indexed(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

std::size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Promtail fields we read past, grouped by why.
constexpr std::string_view kNoGrpc = "tern-shipper serves no gRPC; ignored";
constexpr std::string_view kNotImplemented = "not implemented; ignored";
constexpr std::string_view kUseWebConfig = "use --web.config.file; ignored";
constexpr std::string_view kOtherSource =
    "only static_configs (host files) and docker_sd_configs are supported; ignored";
constexpr std::string_view kLocalDocker = "only a local unix socket is supported; ignored";
constexpr std::string_view kNoAddress = "container addresses do not matter for logs; ignored";

class Parser {
 public:
  Parser(std::string source, std::string base_dir, std::vector<std::string>& unsupported)
      : source_(std::move(source)), base_dir_(std::move(base_dir)), unsupported_(unsupported) {}

  Config parse(const YAML::Node& root);

 private:
  using Handler = std::function<void(const YAML::Node& value, const std::string& path)>;
  struct Field {
    std::string_view name;
    Handler parse;
  };
  struct Ignored {
    std::string_view name;
    std::string_view reason;
  };

  [[noreturn]] void fail(const YAML::Node& at, const std::string& why) const {
    throw ConfigError(runtime::yamlError(source_, at, why));
  }
  void ignore(const std::string& path, std::string_view reason) {
    unsupported_.push_back(path + " (" + std::string(reason) + ")");
  }
  // The node at `key`, or `map` itself when the key is absent (for error positions).
  static YAML::Node at(const YAML::Node& map, const char* key) {
    YAML::Node found = map[key];
    return found.IsDefined() ? found : map;
  }
  static std::string child(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }

  // Dispatches each key of a mapping: to its handler, to `unsupported`, or to
  // an error naming the closest known field. A null block counts as empty.
  void walk(const YAML::Node& map, const std::string& path, const std::vector<Field>& fields,
            const std::vector<Ignored>& ignored = {}) {
    if (!map || map.IsNull()) return;
    if (!map.IsMap()) fail(map, (path.empty() ? "the top level" : path) + " must be a mapping");
    std::set<std::string> seen;
    for (const auto& entry : map) {
      if (!entry.first.IsScalar()) fail(entry.first, "field names must be strings in " + path);
      const std::string key = entry.first.as<std::string>();
      const std::string here = child(path, key);
      if (!seen.insert(key).second) fail(entry.first, "duplicate field " + here);
      auto field =
          std::find_if(fields.begin(), fields.end(), [&](const Field& f) { return f.name == key; });
      if (field != fields.end()) {
        field->parse(entry.second, here);
        continue;
      }
      auto skip = std::find_if(ignored.begin(), ignored.end(),
                               [&](const Ignored& f) { return f.name == key; });
      if (skip != ignored.end()) {
        ignore(here, skip->reason);
        continue;
      }
      std::string why = "unknown field " + here;
      std::string_view best;
      std::size_t best_distance = 3;  // suggest only near misses
      auto consider = [&](std::string_view name) {
        std::size_t d = editDistance(key, name);
        if (d < best_distance) best_distance = d, best = name;
      };
      for (const auto& f : fields) consider(f.name);
      for (const auto& f : ignored) consider(f.name);
      if (!best.empty()) why += " (did you mean " + std::string(best) + "?)";
      fail(entry.first, why);
    }
  }

  std::string str(const YAML::Node& value, const std::string& path) {
    if (value.IsNull()) return "";
    if (!value.IsScalar()) fail(value, path + " must be a string");
    return value.as<std::string>();
  }
  Handler text(std::string& out) {
    return [this, &out](const YAML::Node& v, const std::string& p) { out = str(v, p); };
  }
  // Relative file names resolve against the config file's folder, as in Prometheus.
  Handler file(std::string& out) {
    return [this, &out](const YAML::Node& v, const std::string& p) {
      out = str(v, p);
      if (!out.empty() && out.front() != '/' && !base_dir_.empty()) out = base_dir_ + "/" + out;
    };
  }
  Handler duration(Duration& out) {
    return [this, &out](const YAML::Node& v, const std::string& p) {
      if (v.IsNull()) return;
      auto parsed = parseDuration(str(v, p));
      if (!parsed) fail(v, p + ": " + parsed.error());
      out = *parsed;
    };
  }
  Handler boolean(bool& out) {
    return [this, &out](const YAML::Node& v, const std::string& p) {
      if (v.IsNull()) return;
      if (!v.IsScalar() || !YAML::convert<bool>::decode(v, out))
        fail(v, p + " must be true or false");
    };
  }
  template <typename Int>
  Handler integer(Int& out, Int min, Int max) {
    return [this, &out, min, max](const YAML::Node& v, const std::string& p) {
      if (v.IsNull()) return;
      long long parsed = 0;
      try {
        if (!v.IsScalar()) throw YAML::Exception(v.Mark(), "");
        parsed = v.as<long long>();
      } catch (const YAML::Exception&) {
        fail(v, p + " must be an integer");
      }
      if (parsed < static_cast<long long>(min) ||
          static_cast<unsigned long long>(parsed) > static_cast<unsigned long long>(max))
        fail(v, p + " must be between " + std::to_string(min) + " and " + std::to_string(max));
      out = static_cast<Int>(parsed);
    };
  }
  // A credential written into the file itself: refused, so it never sits in
  // config management, process listings or our own logs.
  Handler secret(std::string_view use_instead) {
    return [this, use_instead](const YAML::Node& v, const std::string& p) {
      if (v.IsNull()) return;
      fail(v, p + ": inline secrets are not accepted; put the secret in a file and use " +
                  std::string(use_instead));
    };
  }
  Labels labelMap(const YAML::Node& value, const std::string& path) {
    Labels labels;
    if (value.IsNull()) return labels;
    if (!value.IsMap()) fail(value, path + " must be a mapping of label names to values");
    for (const auto& entry : value) {
      const std::string name = entry.first.as<std::string>();
      if (!isValidLabelName(name)) fail(entry.first, "invalid label name " + child(path, name));
      for (const auto& [existing, unused] : labels)
        if (existing == name) fail(entry.first, "duplicate label " + child(path, name));
      // An empty value means "no such label", as in Prometheus and Loki.
      std::string value = str(entry.second, child(path, name));
      if (!value.empty()) labels.emplace_back(name, std::move(value));
    }
    std::sort(labels.begin(), labels.end());
    return labels;
  }
  std::vector<std::string> stringList(const YAML::Node& value, const std::string& path) {
    std::vector<std::string> out;
    if (value.IsNull()) return out;
    if (!value.IsSequence()) fail(value, path + " must be a list");
    for (std::size_t i = 0; i < value.size(); ++i) out.push_back(str(value[i], indexed(path, i)));
    return out;
  }
  void list(const YAML::Node& value, const std::string& path,
            const std::function<void(const YAML::Node&, const std::string&)>& each) {
    if (value.IsNull()) return;
    if (!value.IsSequence()) fail(value, path + " must be a list");
    for (std::size_t i = 0; i < value.size(); ++i) each(value[i], indexed(path, i));
  }

  void parseServer(const YAML::Node& node, const std::string& path, ServerConfig& server);
  void parsePositions(const YAML::Node& node, const std::string& path, PositionsConfig& positions);
  ClientConfig parseClient(const YAML::Node& node, const std::string& path);
  ScrapeConfig parseScrape(const YAML::Node& node, const std::string& path);
  DockerSdConfig parseDockerSd(const YAML::Node& node, const std::string& path);

  std::string source_;
  std::string base_dir_;
  std::vector<std::string>& unsupported_;
};

void Parser::parseServer(const YAML::Node& node, const std::string& path, ServerConfig& server) {
  std::vector<Ignored> ignored = {
      {"http_listen_network", kNotImplemented},
      {"http_listen_conn_limit", kNotImplemented},
      {"http_tls_config", kUseWebConfig},
      {"tls_cipher_suites", kUseWebConfig},
      {"tls_min_version", kUseWebConfig},
      {"proxy_protocol_enabled", kNotImplemented},
      {"register_instrumentation", "/metrics is always served; ignored"},
      {"graceful_shutdown_timeout", kNotImplemented},
      {"http_server_read_timeout", kNotImplemented},
      {"http_server_read_header_timeout", kNotImplemented},
      {"http_server_write_timeout", kNotImplemented},
      {"http_server_idle_timeout", kNotImplemented},
      {"http_log_closed_connections_without_response_enabled", kNotImplemented},
      {"http_path_prefix", kNotImplemented},
      {"log_format", "use --log.format; ignored"},
      {"log_source_ips_enabled", kNotImplemented},
      {"log_source_ips_header", kNotImplemented},
      {"log_source_ips_regex", kNotImplemented},
      {"log_request_headers", kNotImplemented},
      {"log_request_at_info_level_enabled", kNotImplemented},
      {"log_request_exclude_headers_list", kNotImplemented},
      {"disable", kNotImplemented},
      {"profiling_enabled", kNotImplemented},
      {"enable_runtime_reload", "reload is not implemented; ignored"},
      {"health_check_target", kNotImplemented},
      {"external_url", kNotImplemented},
      {"report_grpc_codes_in_instrumentation_label_enabled", kNoGrpc},
  };
  for (std::string_view grpc :
       {"grpc_listen_network", "grpc_listen_address", "grpc_listen_port", "grpc_listen_conn_limit",
        "grpc_tls_config", "grpc_server_max_recv_msg_size", "grpc_server_max_send_msg_size",
        "grpc_server_max_concurrent_streams", "grpc_server_max_connection_idle",
        "grpc_server_max_connection_age", "grpc_server_max_connection_age_grace",
        "grpc_server_keepalive_time", "grpc_server_keepalive_timeout",
        "grpc_server_min_time_between_pings", "grpc_server_ping_without_stream_allowed",
        "grpc_server_num_workers", "grpc_server_stats_tracking_enabled",
        "grpc_server_recv_buffer_pools_enabled"})
    ignored.push_back({grpc, kNoGrpc});
  walk(node, path,
       {
           {"http_listen_address", text(server.http_listen_address)},
           {"http_listen_port", integer(server.http_listen_port, 0, 65535)},
           {"log_level",
            [&](const YAML::Node& v, const std::string& p) {
              server.log_level = str(v, p);
              static const std::set<std::string> levels = {"", "debug", "info", "warn", "error"};
              if (!levels.count(server.log_level))
                fail(v, p + " must be one of debug, info, warn, error");
            }},
       },
       ignored);
}

void Parser::parsePositions(const YAML::Node& node, const std::string& path,
                            PositionsConfig& positions) {
  walk(node, path,
       {
           {"filename",
            [&](const YAML::Node& v, const std::string& p) {
              positions.filename = str(v, p);
              if (positions.filename.empty()) fail(v, p + " must not be empty");
            }},
           {"sync_period", duration(positions.sync_period)},
       },
       {{"ignore_invalid_yaml", kNotImplemented}});
  if (positions.sync_period <= Duration::zero())
    fail(node, child(path, "sync_period") + " must be above 0");
}

ClientConfig Parser::parseClient(const YAML::Node& node, const std::string& path) {
  ClientConfig client;
  if (!node.IsMap()) fail(node, path + " must be a mapping");
  walk(node, path,
       {
           {"url", text(client.url)},
           {"tenant_id", text(client.tenant_id)},
           {"batchwait", duration(client.batchwait)},
           {"batchsize", integer<std::uint64_t>(client.batchsize, 1, 1ull << 30)},
           {"timeout", duration(client.timeout)},
           {"external_labels",
            [&](const YAML::Node& v, const std::string& p) {
              client.external_labels = labelMap(v, p);
            }},
           {"basic_auth",
            [&](const YAML::Node& v, const std::string& p) {
              if (v.IsNull()) return;
              BasicAuth auth;
              walk(v, p,
                   {
                       {"username", text(auth.username)},
                       {"password", secret(child(p, "password_file"))},
                       {"password_file", file(auth.password_file)},
                   },
                   {{"username_file", kNotImplemented}});
              if (auth.username.empty()) fail(v, child(p, "username") + " is required");
              if (auth.password_file.empty()) fail(v, child(p, "password_file") + " is required");
              client.basic_auth = auth;
            }},
           {"bearer_token", secret(child(path, "bearer_token_file"))},
           {"bearer_token_file", file(client.bearer_token_file)},
           {"tls_config",
            [&](const YAML::Node& v, const std::string& p) {
              ClientTlsConfig& tls = client.tls;
              walk(v, p,
                   {
                       {"ca_file", file(tls.ca_file)},
                       {"cert_file", file(tls.cert_file)},
                       {"key_file", file(tls.key_file)},
                       {"server_name", text(tls.server_name)},
                       {"insecure_skip_verify", boolean(tls.insecure_skip_verify)},
                       {"key", secret(child(p, "key_file"))},
                   },
                   {{"ca", "inline certificates are not supported, use ca_file; ignored"},
                    {"cert", "inline certificates are not supported, use cert_file; ignored"},
                    {"min_version", kNotImplemented},
                    {"max_version", kNotImplemented}});
              if (tls.cert_file.empty() != tls.key_file.empty())
                fail(v, p + " needs both cert_file and key_file, or neither");
            }},
           {"backoff_config",
            [&](const YAML::Node& v, const std::string& p) {
              BackoffConfig& backoff = client.backoff;
              walk(v, p,
                   {
                       {"min_period", duration(backoff.min_period)},
                       {"max_period", duration(backoff.max_period)},
                       {"max_retries", integer(backoff.max_retries, 0, 1000000)},
                   });
              if (backoff.min_period <= Duration::zero() || backoff.max_period < backoff.min_period)
                fail(v, p + ": need 0 < min_period <= max_period");
            }},
           // Credentials in these forms would sit in the file: refused like the others.
           {"authorization",
            [&](const YAML::Node& v, const std::string& p) {
              if (v.IsMap() && v["credentials"] && !v["credentials"].IsNull())
                secret("bearer_token_file")(v["credentials"], child(p, "credentials"));
              ignore(p, "use bearer_token_file; ignored");
            }},
           {"oauth2",
            [&](const YAML::Node& v, const std::string& p) {
              if (v.IsMap() && v["client_secret"] && !v["client_secret"].IsNull())
                secret("client_secret_file")(v["client_secret"], child(p, "client_secret"));
              ignore(p, kNotImplemented);
            }},
       },
       {
           {"drop_rate_limited_batches", "429 is always retried; ignored"},
           {"stream_lag_labels", "deprecated in Promtail; ignored"},
           {"proxy_url", kNotImplemented},
           {"no_proxy", kNotImplemented},
           {"proxy_from_environment", kNotImplemented},
           {"proxy_connect_header", kNotImplemented},
           {"follow_redirects", kNotImplemented},
           {"enable_http2", kNotImplemented},
           {"http_headers", kNotImplemented},
       });
  if (client.url.empty()) fail(node, child(path, "url") + " is required");
  if (!client.url.starts_with("http://") && !client.url.starts_with("https://"))
    fail(at(node, "url"), child(path, "url") + " must start with http:// or https://");
  if (client.basic_auth && !client.bearer_token_file.empty())
    fail(node, path + ": set basic_auth or bearer_token_file, not both");
  if (client.batchwait <= Duration::zero())
    fail(at(node, "batchwait"), child(path, "batchwait") + " must be above 0");
  if (client.timeout <= Duration::zero())
    fail(at(node, "timeout"), child(path, "timeout") + " must be above 0");
  return client;
}

DockerSdConfig Parser::parseDockerSd(const YAML::Node& node, const std::string& path) {
  DockerSdConfig docker;
  if (!node.IsMap()) fail(node, path + " must be a mapping");
  std::vector<Ignored> ignored = {
      {"port", kNoAddress},
      {"host_networking_host", kNoAddress},
      {"match_first_network", kNoAddress},
  };
  for (std::string_view http :
       {"basic_auth", "authorization", "oauth2", "bearer_token", "bearer_token_file", "tls_config",
        "proxy_url", "no_proxy", "proxy_from_environment", "proxy_connect_header",
        "follow_redirects", "enable_http2", "http_headers"})
    ignored.push_back({http, kLocalDocker});
  walk(node, path,
       {
           {"host",
            [&](const YAML::Node& v, const std::string& p) {
              docker.host = str(v, p);
              if (!docker.host.starts_with("unix://") || docker.host.size() <= 7)
                fail(v, p + ": only unix:///path/to/docker.sock is supported, not \"" +
                            docker.host + "\"");
              docker.socket_path = docker.host.substr(7);
            }},
           {"refresh_interval", duration(docker.refresh_interval)},
           {"filters",
            [&](const YAML::Node& v, const std::string& p) {
              list(v, p, [&](const YAML::Node& f, const std::string& fp) {
                DockerFilter filter;
                if (!f.IsMap()) fail(f, fp + " must be a mapping with name and values");
                walk(f, fp,
                     {
                         {"name", text(filter.name)},
                         {"values",
                          [&](const YAML::Node& vv, const std::string& vp) {
                            filter.values = stringList(vv, vp);
                          }},
                     });
                if (filter.name.empty()) fail(f, child(fp, "name") + " is required");
                if (filter.values.empty()) fail(f, child(fp, "values") + " must not be empty");
                docker.filters.push_back(std::move(filter));
              });
            }},
       },
       ignored);
  if (docker.refresh_interval <= Duration::zero())
    fail(node, child(path, "refresh_interval") + " must be above 0");
  return docker;
}

ScrapeConfig Parser::parseScrape(const YAML::Node& node, const std::string& path) {
  ScrapeConfig scrape;
  if (!node.IsMap()) fail(node, path + " must be a mapping");
  std::vector<Ignored> ignored = {
      {"encoding", "only UTF-8 is read; ignored"},
      {"decompression", "compressed files are not read; ignored"},
  };
  for (std::string_view other : {"journal",
                                 "syslog",
                                 "gcplog",
                                 "loki_push_api",
                                 "windows_events",
                                 "kafka",
                                 "gelf",
                                 "cloudflare",
                                 "heroku_drain",
                                 "azure_event_hubs",
                                 "file_sd_configs",
                                 "dns_sd_configs",
                                 "consul_sd_configs",
                                 "consulagent_sd_configs",
                                 "digitalocean_sd_configs",
                                 "dockerswarm_sd_configs",
                                 "serverset_sd_configs",
                                 "nerve_sd_configs",
                                 "marathon_sd_configs",
                                 "kubernetes_sd_configs",
                                 "gce_sd_configs",
                                 "ec2_sd_configs",
                                 "openstack_sd_configs",
                                 "azure_sd_configs",
                                 "triton_sd_configs"})
    ignored.push_back({other, kOtherSource});
  walk(node, path,
       {
           {"job_name", text(scrape.job_name)},
           {"static_configs",
            [&](const YAML::Node& v, const std::string& p) {
              list(v, p, [&](const YAML::Node& g, const std::string& gp) {
                StaticTargetGroup group;
                if (!g.IsMap()) fail(g, gp + " must be a mapping");
                walk(g, gp,
                     {
                         {"targets",
                          [&](const YAML::Node& t, const std::string& tp) {
                            group.targets = stringList(t, tp);
                          }},
                         {"labels", [&](const YAML::Node& l,
                                        const std::string& lp) { group.labels = labelMap(l, lp); }},
                     });
                scrape.static_configs.push_back(std::move(group));
              });
            }},
           {"docker_sd_configs",
            [&](const YAML::Node& v, const std::string& p) {
              list(v, p, [&](const YAML::Node& d, const std::string& dp) {
                scrape.docker_sd_configs.push_back(parseDockerSd(d, dp));
              });
            }},
           {"relabel_configs",
            [&](const YAML::Node& v, const std::string& p) {
              auto rules = parseRelabelRules(v, source_, p);
              if (!rules) throw ConfigError(rules.error());
              scrape.relabel_configs = std::move(*rules);
            }},
           {"pipeline_stages",
            [&](const YAML::Node& v, const std::string& p) {
              if (!v.IsNull() && !v.IsSequence()) fail(v, p + " must be a list of stages");
              scrape.pipeline_stages = v;
            }},
       },
       ignored);
  if (scrape.job_name.empty()) fail(node, child(path, "job_name") + " is required");

  // A host-file group without __path__ would read nothing, unless a rule sets it.
  bool relabel_sets_path = std::any_of(
      scrape.relabel_configs.begin(), scrape.relabel_configs.end(), [](const RelabelRule& r) {
        return r.target_label == "__path__" || r.action == RelabelAction::kLabelMap;
      });
  for (std::size_t i = 0; i < scrape.static_configs.size(); ++i) {
    const auto& labels = scrape.static_configs[i].labels;
    bool has_path = std::any_of(labels.begin(), labels.end(),
                                [](const auto& l) { return l.first == "__path__"; });
    if (!has_path && !relabel_sets_path)
      fail(node["static_configs"][i],
           indexed(child(path, "static_configs"), i) +
               ".labels.__path__ is required (the files to read, a glob)");
  }
  return scrape;
}

Config Parser::parse(const YAML::Node& root) {
  Config config;
  config.source = source_;
  if (!root || root.IsNull()) fail(root, "empty config: clients and scrape_configs are required");
  std::vector<std::pair<std::string, ClientConfig>> clients;  // path, config
  YAML::Node clients_node, scrape_node;
  walk(root, "",
       {
           {"server",
            [&](const YAML::Node& v, const std::string& p) { parseServer(v, p, config.server); }},
           {"positions", [&](const YAML::Node& v,
                             const std::string& p) { parsePositions(v, p, config.positions); }},
           // Promtail's older single-client form; it counts as the first client.
           {"client",
            [&](const YAML::Node& v, const std::string& p) {
              if (!v.IsNull()) clients.insert(clients.begin(), {p, parseClient(v, p)});
            }},
           {"clients",
            [&](const YAML::Node& v, const std::string& p) {
              clients_node = v;
              list(v, p, [&](const YAML::Node& c, const std::string& cp) {
                // Extra clients are still checked, so a typo or secret there is caught too.
                clients.emplace_back(cp, parseClient(c, cp));
              });
            }},
           {"scrape_configs",
            [&](const YAML::Node& v, const std::string& p) {
              scrape_node = v;
              std::set<std::string> jobs;
              list(v, p, [&](const YAML::Node& s, const std::string& sp) {
                config.scrape_configs.push_back(parseScrape(s, sp));
                if (!jobs.insert(config.scrape_configs.back().job_name).second)
                  fail(s, sp + ": duplicate job_name \"" + config.scrape_configs.back().job_name +
                              "\"");
              });
            }},
       },
       {
           {"limits_config", "rate, stream and line-size limits are not implemented; ignored"},
           {"target_config", "file targets are re-globbed on their own schedule; ignored"},
           {"options", kNotImplemented},
           {"tracing", kNotImplemented},
           {"wal", kNotImplemented},
           {"global", kNotImplemented},
       });
  if (clients.empty())
    fail(clients_node ? clients_node : root, "clients: one client with a url is required");
  config.client = std::move(clients.front().second);
  for (std::size_t i = 1; i < clients.size(); ++i)
    ignore(clients[i].first, "only one client is supported; ignored");
  if (config.scrape_configs.empty())
    fail(scrape_node ? scrape_node : root, "no scrape_configs: nothing to read");
  bool any_target = std::any_of(config.scrape_configs.begin(), config.scrape_configs.end(),
                                [](const ScrapeConfig& s) {
                                  return !s.static_configs.empty() || !s.docker_sd_configs.empty();
                                });
  if (!any_target)
    fail(scrape_node, "no scrape config has static_configs or docker_sd_configs: nothing to read");
  return config;
}

}  // namespace

base::Expected<Config> parseConfig(const std::string& yaml_text, const std::string& source,
                                   std::vector<std::string>& unsupported) {
  auto slash = source.rfind('/');
  std::string base_dir = slash == std::string::npos ? "" : source.substr(0, slash);
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return base::unexpected(runtime::yamlError(source, e.mark, e.msg));
  }
  try {
    return Parser(source, base_dir, unsupported).parse(root);
  } catch (const ConfigError& e) {
    return base::unexpected(std::string(e.what()));
  } catch (const YAML::Exception& e) {
    return base::unexpected(runtime::yamlError(source, e.mark, e.msg));
  }
}

base::Expected<Config> loadConfig(const std::string& path, std::vector<std::string>& unsupported) {
  std::ifstream file(path);
  if (!file) return base::unexpected("cannot read config " + path + ": " + std::strerror(errno));
  std::stringstream text;
  text << file.rdbuf();
  return parseConfig(text.str(), path, unsupported);
}

}  // namespace shipper
