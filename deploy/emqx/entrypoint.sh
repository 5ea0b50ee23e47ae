#!/bin/sh
# Puts the secrets EMQX needs into its environment-variable config layer, then runs the image's
# own entrypoint with the given command: `emqx foreground` to start, `emqx ctl status` for the
# health check (which needs the same cookie, in the same form, to reach the node). docker-compose.yml mounts them from deploy/secrets/ as docker secrets, so none is
# in the compose file, in deploy/emqx/emqx.conf or in `docker inspect`.
set -eu

token=$(cat /run/secrets/broker_hook_token)
if [ -z "$token" ]; then
  echo "deploy/secrets/broker_hook_token is empty: the ingest's broker hook would refuse every login" >&2
  exit 1
fi
# EMQX parses an environment value as HOCON: quoted, or "Bearer <token>" loses its space.
export EMQX_AUTHENTICATION__1__HEADERS__AUTHORIZATION="\"Bearer ${token}\""
export EMQX_AUTHORIZATION__SOURCES__1__HEADERS__AUTHORIZATION="\"Bearer ${token}\""
# Quoted for the same reason (an all-digit value would be read as a number); the health check
# goes through this script too, so the node and `emqx ctl` always agree on the cookie.
EMQX_NODE__COOKIE="\"$(cat /run/secrets/emqx_cookie)\""
EMQX_DASHBOARD__DEFAULT_PASSWORD="\"$(cat /run/secrets/emqx_dashboard_password)\""
export EMQX_NODE__COOKIE EMQX_DASHBOARD__DEFAULT_PASSWORD

exec /usr/bin/docker-entrypoint.sh "$@"
