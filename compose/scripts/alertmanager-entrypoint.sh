#!/bin/sh
# Alertmanager's entrypoint in compose/central.yml. Writes the receivers'
# secrets from the environment (compose/.env) into files under
# /etc/alertmanager/secrets, a tmpfs only this container sees, where
# alertmanager/alertmanager.yml reads them (*_file settings); then starts
# Alertmanager with the arguments given. The values never appear on a command
# line or in a log, and are removed from the environment Alertmanager inherits.
#
#   AM_SMTP_AUTH_PASSWORD -> smtp_auth_password   SMTP relay password
#   AM_SLACK_API_URL      -> slack_api_url        Slack incoming-webhook URL
#   AM_WEBHOOK_TOKEN      -> webhook_token        bearer token of the webhook receivers
#   AM_NTFY_TOKEN         -> ntfy_token           ntfy access token (optional receiver)
#   AM_WATCHDOG_URL       -> watchdog_url         dead man's switch URL for Watchdog
#   AM_TERN_ALERTS_TOKEN  -> tern_alerts_token    bearer token of the webhook to tern-alerts
#
# An unset variable gives an empty file: Alertmanager reads these files when
# it sends, so a receiver that is not used needs no value.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

secrets=${AM_SECRETS_DIR:-/etc/alertmanager/secrets}
[ -d "$secrets" ] && [ -w "$secrets" ] || die "$secrets is not a writable directory (the tmpfs in compose/central.yml)"

for pair in \
  smtp_auth_password:AM_SMTP_AUTH_PASSWORD \
  slack_api_url:AM_SLACK_API_URL \
  webhook_token:AM_WEBHOOK_TOKEN \
  ntfy_token:AM_NTFY_TOKEN \
  watchdog_url:AM_WATCHDOG_URL \
  tern_alerts_token:AM_TERN_ALERTS_TOKEN; do
  file=${pair%%:*}
  var=${pair#*:}
  write_secret "$secrets/$file" "$var"
  unset "$var"
done

exec "${ALERTMANAGER:-/bin/alertmanager}" "$@"
