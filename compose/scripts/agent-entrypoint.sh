#!/bin/sh
# The Prometheus agent's entrypoint in compose/edge-agent.yml. Prometheus does
# not expand environment variables in its configuration, so the template
# compose/edge-agent/agent.yml is rendered here with SERVER_NAME, SERVER_ROLE,
# REMOTE_WRITE_URL and REMOTE_WRITE_USERNAME from compose/.env into a tmpfs,
# and REMOTE_WRITE_PASSWORD is written to a file beside it (the config names
# it in password_file); then Prometheus starts in agent mode with the
# arguments given plus --config.file. AGENT_EXTRA_JOBS (any of mail, haproxy,
# dnscheck) names the other tern exporters this host runs; each gets a target
# file, the others an empty one.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

require_name SERVER_NAME
require_name SERVER_ROLE
require_url REMOTE_WRITE_URL
optional_word REMOTE_WRITE_USERNAME
REMOTE_WRITE_USERNAME=${REMOTE_WRITE_USERNAME:-}

out=${AGENT_CONFIG_DIR:-/run/prometheus-agent}
template=${AGENT_CONFIG_TEMPLATE:-/etc/prometheus-agent/agent.yml}
[ -d "$out" ] && [ -w "$out" ] || die "$out is not a writable directory (the tmpfs in compose/edge-agent.yml)"

# The optional jobs' targets: tern-mail :9154, tern-haproxy :9101,
# tern-dnscheck :9115, on this host's 127.0.0.1 like the others.
extra=$(printf '%s' "${AGENT_EXTRA_JOBS:-}" | tr ',' ' ')
for job in $extra; do
  case $job in
    mail | haproxy | dnscheck) ;;
    *) die "AGENT_EXTRA_JOBS: unknown job '$job' (mail, haproxy, dnscheck)" ;;
  esac
done
mkdir -p "$out/targets"
for job in mail:9154 haproxy:9101 dnscheck:9115; do
  name=${job%%:*}
  port=${job#*:}
  case " $extra " in
    *" $name "*)
      printf '[{"targets": ["127.0.0.1:%s"], "labels": {"instance": "%s", "server_role": "%s"}}]\n' \
        "$port" "$SERVER_NAME" "$SERVER_ROLE" >"$out/targets/$name.json.tmp"
      ;;
    *) printf '[]\n' >"$out/targets/$name.json.tmp" ;;
  esac
  mv "$out/targets/$name.json.tmp" "$out/targets/$name.json"
done

write_secret "$out/remote_write_password" REMOTE_WRITE_PASSWORD
unset REMOTE_WRITE_PASSWORD
AGENT_CONFIG_DIR=$out
render "$template" "$out/agent.yml" SERVER_NAME SERVER_ROLE REMOTE_WRITE_URL REMOTE_WRITE_USERNAME AGENT_CONFIG_DIR

exec "${PROMETHEUS:-/bin/prometheus}" --config.file="$out/agent.yml" "$@"
