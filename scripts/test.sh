#!/usr/bin/env bash
# Run every check and test: lint and types, Rasa data validation, pytest (unit, integration against SQLite
# and PostgreSQL, end-to-end against a real Rasa server and action server), and Rasa's test conversations.
# Tests needing PostgreSQL skip when no server answers, unless SHOPDESK_REQUIRE_SERVICES=1 (CI sets it).
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
cd "$SHOPDESK_ROOT"

app_and_rasa_envs dev_env  # APP: the runtime plus the test tools; RASA: the engine (built side by side)
export PYTHONPATH="$SHOPDESK_ROOT" HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
export SQLALCHEMY_SILENCE_UBER_WARNING=1  # Rasa 3.6's own SQLAlchemy 1.4 notice
unset SHOPDESK_NOW SHOPDESK_DATABASE_URL

log "ruff and mypy"
"$APP/bin/ruff" check .
"$APP/bin/ruff" format --check .
"$APP/bin/mypy"

log "rasa data validate"
validation=$("$RASA/bin/rasa" data validate --domain domain.yml --data data --config config.yml 2>&1) \
  || { printf '%s\n' "$validation"; die "rasa data validate failed"; }
# Rasa 3.6 reports a form's utter_ask_<slot> responses as unused; every other warning fails the run.
warnings=$(printf '%s\n' "$validation" | grep -E "UserWarning:|[[:space:]]WARNING[[:space:]]" \
  | grep -v "The utterance 'utter_ask_" || true)
[ -z "$warnings" ] || { printf '%s\n' "$warnings"; die "rasa data validate reported warnings"; }

MODEL=$(ensure_model "$RASA")
export SHOPDESK_TEST_RASA_BIN="$RASA/bin/rasa" SHOPDESK_TEST_MODEL="$MODEL"

log "pytest"
"$APP/bin/python" -m pytest -p no:cacheprovider "$@"

log "rasa test: test conversations must all pass, each shopper's line parsed by the NLU model"
# End-to-end test stories (--e2e): every `user:` text goes through the trained NLU model and must give the
# story's intent and entities. Rasa reads only files named test_*.yml there and skips others silently.
strays=$(find tests/stories -type f ! -name 'test_*.yml')
[ -z "$strays" ] || die "rasa test --e2e reads only test_*.yml; rename or remove: $strays"
expected=$(cat tests/stories/test_*.yml | grep -cE '^[[:space:]]*- story:' || true)
results=$(mktemp -d)
export SHOPDESK_ACTION_ENDPOINT=http://127.0.0.1:9/webhook SHOPDESK_ACTION_SERVER_TOKEN=unused SHOPDESK_RASA_TRACKER_DB="$results/tracker.db"
"$RASA/bin/rasa" test core --e2e --model "$MODEL" --stories tests/stories --fail-on-prediction-errors \
  --out "$results" --endpoints endpoints.yml > "$results/log.txt" 2>&1 \
  || { tail -n 60 "$results/log.txt"; cat "$results/failed_test_stories.yml" 2>/dev/null; die "test conversations failed"; }
evaluated=$(grep -oE 'Evaluating [0-9]+ stories' "$results/log.txt" | grep -oE '[0-9]+' | head -n 1 || true)
[ "${evaluated:-0}" = "$expected" ] \
  || die "rasa test evaluated ${evaluated:-no} test conversations of the $expected in tests/stories"
log "test conversations passed ($evaluated, through the NLU model)"
