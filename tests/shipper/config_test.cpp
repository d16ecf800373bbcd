#include "shipper/config.h"

#include <doctest/doctest.h>

#include "support/golden.h"

using namespace std::chrono_literals;
using shipper::Config;
using shipper::parseConfig;
using shipper::parseDuration;

namespace {

// A config that loads: one client, one host-file job. Tests append or edit.
const std::string kMinimal =
    "clients:\n"
    "  - url: http://127.0.0.1:3100/loki/api/v1/push\n"
    "scrape_configs:\n"
    "  - job_name: system\n"
    "    static_configs:\n"
    "      - labels: {__path__: /var/log/*.log}\n";

std::string errorOf(const std::string& yaml) {
  std::vector<std::string> unsupported;
  auto config = parseConfig(yaml, "/etc/tern/shipper.yaml", unsupported);
  return config ? "" : config.error();
}

Config load(const std::string& yaml, std::vector<std::string>& unsupported) {
  auto config = parseConfig(yaml, "/etc/tern/shipper.yaml", unsupported);
  if (!config) FAIL(config.error());
  return *config;
}

}  // namespace

TEST_CASE("shipper config: durations in Prometheus and Go form") {
  CHECK(*parseDuration("0") == 0s);
  CHECK(*parseDuration("500ms") == 500ms);
  CHECK(*parseDuration("1s") == 1s);
  CHECK(*parseDuration("5m") == 5min);
  CHECK(*parseDuration("1h30m") == 90min);
  CHECK(*parseDuration("1.5s") == 1500ms);
  CHECK(*parseDuration("2d") == 48h);
  CHECK(*parseDuration("1w") == 168h);
  CHECK(*parseDuration("250us") == 250us);
  CHECK(*parseDuration("10ns") == 10ns);
  // A bare number is nanoseconds in Go's YAML: almost always a mistake, so refused.
  CHECK(parseDuration("5").error().find("unit") != std::string::npos);
  CHECK_FALSE(parseDuration(""));
  CHECK_FALSE(parseDuration("-1s"));
  CHECK_FALSE(parseDuration("s"));
  CHECK_FALSE(parseDuration("1x"));
  CHECK_FALSE(parseDuration("1..2s"));
  CHECK_FALSE(parseDuration("1000000000y"));
}

TEST_CASE("shipper config: a Promtail config for a Docker host loads") {
  std::vector<std::string> unsupported;
  auto loaded =
      shipper::loadConfig(testsupport::fixture("shipper/promtail-docker.yaml"), unsupported);
  REQUIRE_MESSAGE(loaded.ok(), loaded.error());
  const Config& config = *loaded;

  // Exactly the Promtail fields we do not implement, for the start-up log.
  CHECK(unsupported == std::vector<std::string>{
                           "server.grpc_listen_port (tern-shipper serves no gRPC; ignored)",
                           "limits_config (rate, stream and line-size limits are not "
                           "implemented; ignored)",
                       });

  CHECK(config.server.http_listen_port == 9080);
  CHECK(config.server.log_level == "info");
  CHECK(config.positions.filename == "/var/lib/promtail/positions.yaml");
  CHECK(config.positions.sync_period == 15s);

  const auto& client = config.client;
  CHECK(client.url == "http://127.0.0.1:3100/loki/api/v1/push");
  CHECK(client.tenant_id == "ops");
  CHECK(client.batchwait == 2s);
  CHECK(client.batchsize == 524288);
  CHECK(client.timeout == 30s);
  CHECK(client.external_labels == shipper::Labels{{"env", "prod"}, {"host", "web-01"}});
  REQUIRE(client.basic_auth);
  CHECK(client.basic_auth->username == "promtail");
  CHECK(client.basic_auth->password_file == "/etc/promtail/loki-password");
  CHECK(client.backoff.min_period == 1s);
  CHECK(client.backoff.max_period == 2min);
  CHECK(client.backoff.max_retries == 20);

  REQUIRE(config.scrape_configs.size() == 2);
  const auto& containers = config.scrape_configs[0];
  CHECK(containers.job_name == "containers");
  REQUIRE(containers.docker_sd_configs.size() == 1);
  const auto& docker = containers.docker_sd_configs[0];
  CHECK(docker.socket_path == "/var/run/docker.sock");
  CHECK(docker.refresh_interval == 10s);
  REQUIRE(docker.filters.size() == 1);
  CHECK(docker.filters[0].name == "label");
  CHECK(docker.filters[0].values == std::vector<std::string>{"logging=promtail"});
  CHECK(containers.relabel_configs.size() == 4);
  REQUIRE(containers.pipeline_stages.IsSequence());
  CHECK(containers.pipeline_stages.size() == 2);
  CHECK(containers.pipeline_stages[1]["multiline"]["max_wait_time"].as<std::string>() == "3s");

  // The relabel rules do what the file means on a real container's labels.
  shipper::Labels labels = {
      {"__meta_docker_container_label_com_docker_compose_project", "shop"},
      {"__meta_docker_container_label_com_docker_compose_service", "web"},
      {"__meta_docker_container_name", "/shop-web-1"},
  };
  REQUIRE(shipper::applyRelabel(containers.relabel_configs, labels));
  CHECK(labels == shipper::Labels{
                      {"__meta_docker_container_label_com_docker_compose_project", "shop"},
                      {"__meta_docker_container_label_com_docker_compose_service", "web"},
                      {"__meta_docker_container_name", "/shop-web-1"},
                      {"container", "shop-web-1"},
                      {"project", "shop"},
                      {"service", "web"},
                  });
  shipper::Labels ci = {{"__meta_docker_container_label_com_docker_compose_project", "ci-42"}};
  CHECK_FALSE(shipper::applyRelabel(containers.relabel_configs, ci));

  const auto& system = config.scrape_configs[1];
  CHECK(system.job_name == "system");
  REQUIRE(system.static_configs.size() == 1);
  CHECK(system.static_configs[0].targets == std::vector<std::string>{"localhost"});
  CHECK(system.static_configs[0].labels ==
        shipper::Labels{{"__path__", "/var/log/*.log"}, {"job", "varlogs"}});
  CHECK(system.pipeline_stages.size() == 3);
  // Stages keep their positions, so the stage parser can report file:line.
  CHECK(system.pipeline_stages[2].Mark().line + 1 == 74);
  CHECK(config.source.ends_with("shipper/promtail-docker.yaml"));
}

TEST_CASE("shipper config: defaults") {
  std::vector<std::string> unsupported;
  Config config = load(kMinimal, unsupported);
  CHECK(unsupported.empty());
  CHECK(config.server.http_listen_port == 9080);
  CHECK(config.positions.filename == "/var/lib/tern-shipper/positions.yaml");
  CHECK(config.positions.sync_period == 10s);
  CHECK(config.client.batchwait == 1s);
  CHECK(config.client.batchsize == 1048576);
  CHECK(config.client.timeout == 10s);
  CHECK(config.client.backoff.min_period == 500ms);
  CHECK(config.client.backoff.max_period == 5min);
  CHECK(config.client.backoff.max_retries == 0);
  CHECK_FALSE(config.client.basic_auth);
  CHECK_FALSE(config.client.tls.insecure_skip_verify);
  CHECK(config.scrape_configs[0].relabel_configs.empty());
  CHECK(config.scrape_configs[0].pipeline_stages.IsNull());
}

TEST_CASE("shipper config: secret and TLS files resolve against the config's folder") {
  std::vector<std::string> unsupported;
  Config config = load(
      "clients:\n"
      "  - url: https://127.0.0.1:3100/loki/api/v1/push\n"
      "    bearer_token_file: secrets/loki-token\n"
      "    tls_config:\n"
      "      ca_file: /etc/ssl/loki-ca.pem\n"
      "      cert_file: client.pem\n"
      "      key_file: client.key\n"
      "      server_name: loki.internal\n"
      "      insecure_skip_verify: false\n"
      "scrape_configs:\n"
      "  - job_name: system\n"
      "    static_configs: [{labels: {__path__: /var/log/syslog}}]\n",
      unsupported);
  CHECK(config.client.bearer_token_file == "/etc/tern/secrets/loki-token");
  CHECK(config.client.tls.ca_file == "/etc/ssl/loki-ca.pem");
  CHECK(config.client.tls.cert_file == "/etc/tern/client.pem");
  CHECK(config.client.tls.key_file == "/etc/tern/client.key");
  CHECK(config.client.tls.server_name == "loki.internal");
}

TEST_CASE("shipper config: Promtail features we lack are listed, not fatal") {
  std::vector<std::string> unsupported;
  Config config = load(
      "clients:\n"
      "  - url: http://127.0.0.1:3100/loki/api/v1/push\n"
      "  - url: http://127.0.0.1:3101/loki/api/v1/push\n"
      "target_config: {sync_period: 10s}\n"
      "tracing: {enabled: false}\n"
      "scrape_configs:\n"
      "  - job_name: journal\n"
      "    journal: {max_age: 12h}\n"
      "  - job_name: files\n"
      "    encoding: UTF-16\n"
      "    kubernetes_sd_configs: [{role: pod}]\n"
      "    static_configs: [{labels: {__path__: /var/log/*.log}}]\n",
      unsupported);
  CHECK(config.client.url == "http://127.0.0.1:3100/loki/api/v1/push");
  CHECK(unsupported ==
        std::vector<std::string>{
            "target_config (file targets are re-globbed on their own schedule; ignored)",
            "tracing (not implemented; ignored)",
            "scrape_configs[0].journal (only static_configs (host files) and docker_sd_configs "
            "are supported; ignored)",
            "scrape_configs[1].encoding (only UTF-8 is read; ignored)",
            "scrape_configs[1].kubernetes_sd_configs (only static_configs (host files) and "
            "docker_sd_configs are supported; ignored)",
            "clients[1] (only one client is supported; ignored)",
        });
}

TEST_CASE("shipper config: errors name the file, the line and the reason") {
  // A typo in a field name: an error, with the nearest real name.
  CHECK(errorOf(kMinimal + "scrape_config: []\n") ==
        "/etc/tern/shipper.yaml:7: unknown field scrape_config (did you mean scrape_configs?)");
  CHECK(errorOf("clients:\n"
                "  - url: http://127.0.0.1:3100/loki/api/v1/push\n"
                "    tenant-id: ops\n"
                "scrape_configs: []\n") ==
        "/etc/tern/shipper.yaml:3: unknown field clients[0].tenant-id (did you mean tenant_id?)");
  CHECK(errorOf(kMinimal + "    pipline_stages: []\n") ==
        "/etc/tern/shipper.yaml:7: unknown field scrape_configs[0].pipline_stages (did you mean "
        "pipeline_stages?)");
  CHECK(errorOf(kMinimal + "frobnicate: 1\n") ==
        "/etc/tern/shipper.yaml:7: unknown field frobnicate");

  // A bad duration.
  CHECK(errorOf(kMinimal + "positions:\n  sync_period: 10 seconds\n") ==
        "/etc/tern/shipper.yaml:8: positions.sync_period: bad duration \"10 seconds\": missing or "
        "unknown unit (use ms, s, m, h, d, w, e.g. \"10s\")");
  CHECK(errorOf("clients:\n"
                "  - url: http://127.0.0.1:3100/loki/api/v1/push\n"
                "    backoff_config:\n"
                "      min_period: 500\n") ==
        "/etc/tern/shipper.yaml:4: clients[0].backoff_config.min_period: bad duration \"500\": "
        "missing or unknown unit (use ms, s, m, h, d, w, e.g. \"10s\")");

  // Inline secrets are refused; the message says what to use instead.
  CHECK(errorOf("clients:\n"
                "  - url: http://127.0.0.1:3100/loki/api/v1/push\n"
                "    basic_auth:\n"
                "      username: promtail\n"
                "      password: hunter2\n") ==
        "/etc/tern/shipper.yaml:5: clients[0].basic_auth.password: inline secrets are not "
        "accepted; put the secret in a file and use clients[0].basic_auth.password_file");
  CHECK(errorOf("clients:\n"
                "  - url: http://127.0.0.1:3100/loki/api/v1/push\n"
                "    bearer_token: abc\n")
            .starts_with("/etc/tern/shipper.yaml:3: clients[0].bearer_token: inline secrets"));
  CHECK(errorOf("clients:\n"
                "  - url: http://127.0.0.1:3100/loki/api/v1/push\n"
                "    authorization: {type: Bearer, credentials: abc}\n")
            .starts_with("/etc/tern/shipper.yaml:3: clients[0].authorization.credentials: inline"));
  // ...also in a second client, which is otherwise ignored.
  CHECK(errorOf("clients:\n"
                "  - url: http://127.0.0.1:3100/loki/api/v1/push\n"
                "  - url: http://127.0.0.1:3101/loki/api/v1/push\n"
                "    basic_auth: {username: a, password: b}\n")
            .starts_with("/etc/tern/shipper.yaml:4: clients[1].basic_auth.password: inline"));
  // The secret itself never appears in the message.
  CHECK(errorOf("clients:\n  - url: http://x\n    bearer_token: s3cr3t\n").find("s3cr3t") ==
        std::string::npos);

  // A client without url; no client at all.
  CHECK(errorOf("clients:\n"
                "  - tenant_id: ops\n"
                "scrape_configs: []\n") == "/etc/tern/shipper.yaml:2: clients[0].url is required");
  CHECK(errorOf("clients:\n  - url: 127.0.0.1:3100\n") ==
        "/etc/tern/shipper.yaml:2: clients[0].url must start with http:// or https://");
  CHECK(errorOf("clients: []\nscrape_configs: []\n") ==
        "/etc/tern/shipper.yaml:1: clients: one client with a url is required");

  // No scrape_configs, or none we can read.
  // An absent top-level field has no line to point at.
  CHECK(errorOf("clients:\n  - url: http://127.0.0.1:3100/loki/api/v1/push\n") ==
        "/etc/tern/shipper.yaml: no scrape_configs: nothing to read");
  CHECK(
      errorOf("clients:\n  - url: http://127.0.0.1:3100/loki/api/v1/push\nscrape_configs: []\n") ==
      "/etc/tern/shipper.yaml:3: no scrape_configs: nothing to read");
  CHECK(errorOf("clients:\n"
                "  - url: http://127.0.0.1:3100/loki/api/v1/push\n"
                "scrape_configs:\n"
                "  - job_name: journal\n"
                "    journal: {}\n") ==
        "/etc/tern/shipper.yaml:4: no scrape config has static_configs or docker_sd_configs: "
        "nothing to read");
  CHECK(errorOf("") ==
        "/etc/tern/shipper.yaml: empty config: clients and scrape_configs are required");
}

TEST_CASE("shipper config: scrape config checks") {
  CHECK(errorOf(kMinimal +
                "  - job_name: system\n    static_configs: [{labels: {__path__: /x}}]\n") ==
        "/etc/tern/shipper.yaml:7: scrape_configs[1]: duplicate job_name \"system\"");
  CHECK(errorOf(kMinimal + "  - static_configs: [{labels: {__path__: /x}}]\n") ==
        "/etc/tern/shipper.yaml:7: scrape_configs[1].job_name is required");
  CHECK(errorOf(kMinimal + "  - job_name: x\n    static_configs: [{labels: {job: x}}]\n") ==
        "/etc/tern/shipper.yaml:8: scrape_configs[1].static_configs[0].labels.__path__ is required "
        "(the files to read, a glob)");
  CHECK(errorOf(kMinimal + "  - job_name: x\n    static_configs: [{labels: {bad-name: x}}]\n") ==
        "/etc/tern/shipper.yaml:8: invalid label name "
        "scrape_configs[1].static_configs[0].labels.bad-name");
  CHECK(errorOf(kMinimal +
                "  - job_name: d\n    docker_sd_configs: [{host: 'tcp://127.0.0.1:2375'}]\n") ==
        "/etc/tern/shipper.yaml:8: scrape_configs[1].docker_sd_configs[0].host: only "
        "unix:///path/to/docker.sock is supported, not \"tcp://127.0.0.1:2375\"");
  CHECK(errorOf(kMinimal + "    pipeline_stages: {docker: {}}\n") ==
        "/etc/tern/shipper.yaml:7: scrape_configs[0].pipeline_stages must be a list of stages");
  CHECK(errorOf(kMinimal + "    relabel_configs:\n"
                           "      - source_labels: [__meta_docker_container_name]\n"
                           "        regex: '(unclosed'\n"
                           "        target_label: container\n") ==
        "/etc/tern/shipper.yaml:8: scrape_configs[0].relabel_configs[0]: invalid regex "
        "\"(unclosed\": missing ): (unclosed");
  CHECK(errorOf(kMinimal + "    static_configs: []\n") ==
        "/etc/tern/shipper.yaml:7: duplicate field scrape_configs[0].static_configs");
  CHECK(errorOf(kMinimal + "server: {http_listen_port: 70000}\n") ==
        "/etc/tern/shipper.yaml:7: server.http_listen_port must be between 0 and 65535");
  CHECK(errorOf(kMinimal + "server: {log_level: verbose}\n") ==
        "/etc/tern/shipper.yaml:7: server.log_level must be one of debug, info, warn, error");
  CHECK(errorOf(kMinimal + "clients: 3\n") == "/etc/tern/shipper.yaml:7: duplicate field clients");
  // YAML syntax errors carry the parser's position.
  CHECK(errorOf("clients: [\n").starts_with("/etc/tern/shipper.yaml:"));
}

TEST_CASE("shipper config: an empty label value means no label") {
  std::vector<std::string> unsupported;
  Config config = load(
      "clients: [{url: 'http://127.0.0.1:3100/loki/api/v1/push'}]\n"
      "scrape_configs:\n"
      "  - job_name: system\n"
      "    static_configs:\n"
      "      - labels:\n"
      "          __path__: /var/log/*.log\n"
      "          job: ''\n"
      "          env:\n",
      unsupported);
  CHECK(config.scrape_configs[0].static_configs[0].labels ==
        shipper::Labels{{"__path__", "/var/log/*.log"}});
}

TEST_CASE("shipper config: an unreadable file is an error") {
  std::vector<std::string> unsupported;
  auto config = shipper::loadConfig("/nonexistent/shipper.yaml", unsupported);
  REQUIRE_FALSE(config);
  CHECK(config.error() ==
        "cannot read config /nonexistent/shipper.yaml: No such file or directory");
}
