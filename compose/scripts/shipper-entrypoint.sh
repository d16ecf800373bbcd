#!/bin/sh
# tern-shipper's entrypoint in compose/edge.yml. tern-shipper, like Promtail
# without -config.expand-env, takes its configuration file as written, so the
# template (compose/edge/shipper.yaml, or an overlay's) is rendered here with
# LOKI_URL from compose/.env into a tmpfs; then tern-shipper starts with the
# arguments given plus --config.file.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

require_url LOKI_URL

out=${SHIPPER_CONFIG_DIR:-/run/tern-shipper}
template=${SHIPPER_CONFIG_TEMPLATE:-/etc/tern-shipper/shipper.yaml}
[ -d "$out" ] && [ -w "$out" ] || die "$out is not a writable directory (the tmpfs in compose/edge.yml)"

render "$template" "$out/shipper.yaml" LOKI_URL

exec "${TERN_SHIPPER:-tern-shipper}" --config.file="$out/shipper.yaml" "$@"
