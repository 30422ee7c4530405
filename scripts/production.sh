#!/usr/bin/env bash
# The production profile on one machine (docs/deploy.md): N Rasa replicas, N action servers and N gateways
# behind HAProxy, under supervisord, with conversations in PostgreSQL and locks in Redis.
#
#   scripts/production.sh            migrate, build the policy index, then run everything in the foreground;
#                                    Ctrl-C (or SIGTERM) stops it all cleanly
#   scripts/production.sh ctl ARGS   supervisorctl for the running profile: status, restart rasa-0, ...
#
# Needs (apt-get install haproxy supervisor): HAProxy and supervisord. Reads, among others:
#   SHOPDESK_DATABASE_URL (postgresql://...), SHOPDESK_REDIS_URL (redis://...), SHOPDESK_SECRET_KEY,
#   SHOPDESK_RASA_TOKEN, SHOPDESK_ACTION_SERVER_TOKEN, SHOPDESK_CORS_ORIGINS, SHOPDESK_REPLICAS (2),
#   SHOPDESK_PROXY_PORT (8080), SHOPDESK_RUN_DIR (var/production: configuration, logs, sockets).
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
cd "$SHOPDESK_ROOT"

export SHOPDESK_RUN_DIR=${SHOPDESK_RUN_DIR:-"$SHOPDESK_ROOT/var/production"}
if [ "${1:-}" = ctl ]; then
  shift
  exec supervisorctl -c "$SHOPDESK_RUN_DIR/supervisord.conf" "$@"
fi

for tool in haproxy supervisord; do
  command -v "$tool" > /dev/null || die "$tool is missing: apt-get install haproxy supervisor"
done
export SHOPDESK_ENV=production
# The environments and the model: the cached ones, unless given (the tests pass theirs).
APP=${SHOPDESK_APP_VENV:-$(app_env)}
RASA=${SHOPDESK_RASA_VENV:-$(rasa_env)}
export PYTHONPATH="$SHOPDESK_ROOT" HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
export SQLALCHEMY_SILENCE_UBER_WARNING=1  # Rasa 3.6's own SQLAlchemy 1.4 notice
profile() { "$APP/bin/python" scripts/production.py "$@"; }

problems=$(profile check 2>&1) || die "refusing to start with SHOPDESK_ENV=production:
$problems"
exports=$(profile env) || die "$exports"
eval "$exports"

mkdir -p "$SHOPDESK_RUN_DIR/logs"
SETUP_LOG="$SHOPDESK_RUN_DIR/logs/setup.log"
shopdesk() { "$APP/bin/python" -m bot.ops.cli "$@" >> "$SETUP_LOG" 2>&1 || die "shopdesk $* failed; see $SETUP_LOG"; }
log "migrating the database and building the policy index (log: $SETUP_LOG)"
shopdesk db upgrade
shopdesk knowledge build
MODEL=${SHOPDESK_RASA_MODEL:-$(ensure_model "$RASA")}
RASA_BIN="$RASA/bin/rasa" RASA_MODEL="$MODEL" profile write

supervisord -c "$SHOPDESK_RUN_DIR/supervisord.conf" &
supervisor=$!
stop_all() {
  trap - INT TERM EXIT
  log "stopping (a turn under way finishes first)"
  kill -TERM "$supervisor" 2>/dev/null || true
  wait "$supervisor" 2>/dev/null || true
}
trap 'stop_all; log "stopped"; exit 0' INT TERM
trap stop_all EXIT

log "starting ${SHOPDESK_REPLICAS:-2} of each under supervisord; Rasa takes a minute or two to load (logs: $SHOPDESK_RUN_DIR/logs/)"
if ! profile ready "${SHOPDESK_READY_TIMEOUT:-600}"; then
  die "the profile did not come up; see $SHOPDESK_RUN_DIR/logs/"
fi
log "ready: http://${SHOPDESK_PROXY_BIND:-127.0.0.1}:${SHOPDESK_PROXY_PORT:-8080}/ (scripts/production.sh ctl status)"
wait "$supervisor"
