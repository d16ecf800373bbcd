#!/bin/sh
# Grafana's entrypoint in compose/central.yml: makes GRAFANA_ADMIN_PASSWORD in
# compose/.env the admin password on every start, then runs the image's own
# /run.sh.
#
# Why: GF_SECURITY_ADMIN_PASSWORD is used only when Grafana creates its
# database. After the first start the password lives in grafana.db on the
# grafana-data volume, and changing .env changes nothing (stefanprodan/dockprom
# #12 and #208). So when the database exists, the password is reset with
# `grafana cli admin reset-admin-password --password-from-stdin` (Grafana 9.1+),
# the password on stdin: never on a command line, never in a log.
# Consequence: a password changed in Grafana's UI is undone by the next restart;
# change it in compose/.env instead.
set -eu

password=${GF_SECURITY_ADMIN_PASSWORD:-}
if [ -z "$password" ] && [ -n "${GF_SECURITY_ADMIN_PASSWORD__FILE:-}" ]; then
  password=$(cat "$GF_SECURITY_ADMIN_PASSWORD__FILE")
fi
[ -n "$password" ] || { echo "tern: GRAFANA_ADMIN_PASSWORD is empty; set it in compose/.env" >&2; exit 1; }

home=${GF_PATHS_HOME:-/usr/share/grafana}
data=${GF_PATHS_DATA:-/var/lib/grafana}
if [ -f "$data/grafana.db" ]; then
  # The same paths /run.sh gives the server, so the CLI opens the same database.
  if output=$(printf '%s\n' "$password" | "${GRAFANA:-grafana}" cli \
      --homepath "$home" --config "${GF_PATHS_CONFIG:-/etc/grafana/grafana.ini}" \
      --configOverrides "cfg:default.paths.data=$data cfg:default.paths.logs=${GF_PATHS_LOGS:-/var/log/grafana} cfg:default.paths.plugins=${GF_PATHS_PLUGINS:-$data/plugins} cfg:default.log.mode=console" \
      admin reset-admin-password --password-from-stdin 2>&1); then
    echo "tern: Grafana admin password set from GRAFANA_ADMIN_PASSWORD"
  else
    # Grafana still starts, with the password it had; the CLI's message says why.
    echo "tern: could not reset the Grafana admin password:" >&2
    printf '%s\n' "$output" | tail -n 5 >&2
  fi
fi

exec "${GRAFANA_RUN:-/run.sh}" "$@"
