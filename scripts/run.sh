#!/usr/bin/env bash
# Set up whatever is missing, then run the assistant on the embedded defaults (SQLite, no external service):
# the Rasa server (HTTP API on loopback), the action server and the gateway. Ctrl-C stops them all.
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
cd "$SHOPDESK_ROOT"

mkdir -p var/logs
SETUP_LOG="$SHOPDESK_ROOT/var/logs/setup.log"
: > "$SETUP_LOG"
STEP=0
step() { STEP=$((STEP + 1)); log "[$STEP/5] $*"; }
# setup CMD...: a setup command whose own output and third-party warnings go to var/logs/setup.log; its
# last line (the summary our commands print) is shown.
setup() {
  if ! "$@" >> "$SETUP_LOG" 2>&1; then
    tail -n 20 "$SETUP_LOG" >&2
    die "failed: $* (full output: var/logs/setup.log)"
  fi
  log "    $(tail -n 1 "$SETUP_LOG")"
}

step "the application and Rasa engine environments (built side by side)"
app_and_rasa_envs app_env

export PYTHONPATH="$SHOPDESK_ROOT" HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
export SHOPDESK_DATABASE_URL=${SHOPDESK_DATABASE_URL:-"sqlite:///$SHOPDESK_ROOT/var/shopdesk.db"}
# The demo data is written around a fixed "now" so its edge cases (delivered 30 days ago, late, ...)
# stay true; run with SHOPDESK_NOW= (empty) to use the real clock with your own data.
export SHOPDESK_NOW=${SHOPDESK_NOW-$("$APP/bin/python" -c 'from bot.ops.demo_data import DEMO_NOW; print(DEMO_NOW.isoformat())')}
RASA_PORT=${SHOPDESK_RASA_PORT:-5005}
ACTIONS_PORT=${SHOPDESK_ACTIONS_PORT:-5055}
GATEWAY_PORT=${SHOPDESK_GATEWAY_PORT:-8000}
export SHOPDESK_ACTION_ENDPOINT="http://127.0.0.1:$ACTIONS_PORT/webhook"
export SHOPDESK_RASA_URL="http://127.0.0.1:$RASA_PORT"
export SHOPDESK_ACTION_SERVER_URL="http://127.0.0.1:$ACTIONS_PORT"
export SHOPDESK_RASA_TRACKER_DB=${SHOPDESK_RASA_TRACKER_DB:-"$SHOPDESK_ROOT/var/rasa-tracker.db"}
# Rasa's workers: Sanic processes sharing its port, each with its own copy of the model (docs/performance.md,
# "Two Rasa workers"). One conversation's turns still run one at a time: endpoints.yml keeps the
# conversation locks in a SQLite file all of them see. Default: 2 on a machine with 2+ cores and room for a
# second model, else 1.
RASA_TWO_WORKERS_MIN_GIB=5  # MemAvailable before start: a second worker adds ~1 GB PSS (the stack ~3 GB)
default_rasa_workers() {
  local available_kib
  available_kib=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo 2>/dev/null || echo 0)
  if [ "$(nproc)" -ge 2 ] && [ "${available_kib:-0}" -ge $((RASA_TWO_WORKERS_MIN_GIB * 1024 * 1024)) ]; then
    echo 2
  else
    echo 1
  fi
}
export SANIC_WORKERS=${SHOPDESK_RASA_WORKERS:-$(default_rasa_workers)}
# With several workers Rasa's per-step metrics are summed over them from files here, emptied on every start
# (scripts/rasa_metrics_dir.sh).
RASA_METRICS_DIR="$SHOPDESK_ROOT/var/rasa-metrics"
# Rasa's HTTP API and the action server's webhook answer only with these (random per run unless set).
export SHOPDESK_RASA_TOKEN=${SHOPDESK_RASA_TOKEN:-$("$APP/bin/python" -c 'import secrets; print(secrets.token_hex(24))')}
export SHOPDESK_ACTION_SERVER_TOKEN=${SHOPDESK_ACTION_SERVER_TOKEN:-$("$APP/bin/python" -c 'import secrets; print(secrets.token_hex(24))')}

shopdesk() { "$APP/bin/python" -m bot.ops.cli "$@"; }
step "the database (log: var/logs/setup.log)"
setup shopdesk db upgrade
setup shopdesk demo seed --if-empty
step "the policy index"
setup shopdesk knowledge build
step "the Rasa model"
MODEL=$(ensure_model "$RASA")

pids=()
stop_all() {
  trap - INT TERM EXIT
  log "stopping"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'stop_all; log "stopped"; exit 0' INT TERM
trap stop_all EXIT

step "starting the action server, Rasa ($SANIC_WORKERS worker(s)) and the gateway; Rasa takes the longest (logs: var/logs/)"
"$APP/bin/python" -m actions.server --host 127.0.0.1 --port "$ACTIONS_PORT" > var/logs/actions.log 2>&1 &
pids+=($!)
scripts/rasa_metrics_dir.sh "$RASA_METRICS_DIR" \
  "$RASA/bin/rasa" run --enable-api --auth-token "$SHOPDESK_RASA_TOKEN" -i 127.0.0.1 -p "$RASA_PORT" -m "$MODEL" \
  --endpoints endpoints.yml --credentials credentials.yml --logging-config-file rasa-logging.yml > var/logs/rasa.log 2>&1 &
pids+=($!)
# The gateway needs neither to start (it calls Rasa per message), so it loads alongside them. One process
# (uvicorn would fork WEB_CONCURRENCY workers when set): its live hub and metrics are the process's own.
if [ -d integrations/gateway ]; then
  "$APP/bin/python" -m uvicorn integrations.gateway.app:create_app --factory --workers 1 \
    --host 127.0.0.1 --port "$GATEWAY_PORT" --ws-max-size 16384 > var/logs/gateway.log 2>&1 &
  pids+=($!)
fi
wait_http "http://127.0.0.1:$ACTIONS_PORT/health" 120 "the action server"
wait_http "http://127.0.0.1:$RASA_PORT/status?token=$SHOPDESK_RASA_TOKEN" 180 "Rasa"
if [ -d integrations/gateway ]; then
  wait_http "http://127.0.0.1:$GATEWAY_PORT/health/live" 60 "the gateway"
  log "ready: chat with the demo shop at http://127.0.0.1:$GATEWAY_PORT/"
  log "       the agent console is at http://127.0.0.1:$GATEWAY_PORT/console (bin/shopdesk agents create NAME)"
  log "       Ctrl-C stops everything"
else
  log "ready: chat with  bin/shopdesk chat  (Ctrl-C here stops everything)"
fi
wait -n "${pids[@]}" || true
die "a process stopped unexpectedly; see var/logs/"
