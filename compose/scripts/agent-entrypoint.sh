#!/bin/sh
# The Prometheus agent's entrypoint in compose/edge-agent.yml. Prometheus does
# not expand environment variables in its configuration, so the template
# compose/edge-agent/agent.yml is rendered here with SERVER_NAME, SERVER_ROLE,
# REMOTE_WRITE_URL and REMOTE_WRITE_USERNAME from compose/.env into a tmpfs,
# and REMOTE_WRITE_PASSWORD is written to a file beside it (the config names
# it in password_file); then Prometheus starts in agent mode with the
# arguments given plus --config.file.
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

write_secret "$out/remote_write_password" REMOTE_WRITE_PASSWORD
unset REMOTE_WRITE_PASSWORD
AGENT_CONFIG_DIR=$out
render "$template" "$out/agent.yml" SERVER_NAME SERVER_ROLE REMOTE_WRITE_URL REMOTE_WRITE_USERNAME AGENT_CONFIG_DIR

exec "${PROMETHEUS:-/bin/prometheus}" --config.file="$out/agent.yml" "$@"
