#!/usr/bin/env bash
# Re-resolve the two environments from requirements/*.in and write the lock files the other scripts install.
# Run it when you change a requirement; commit the new lock files (their hashes key the cached environments).
source "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$PYTHON" -m venv "$tmp/app" && "$tmp/app/bin/pip" install -q --upgrade pip wheel
"$tmp/app/bin/pip" install -q torch==2.13.0
"$tmp/app/bin/pip" install -q -r "$SHOPDESK_ROOT/requirements/app.in" 2>&1 | quiet_pip
"$tmp/app/bin/pip" freeze --all | grep -v '^pip==' > "$SHOPDESK_ROOT/requirements/app.lock.txt"
"$PYTHON" -m venv "$tmp/rasa" && "$tmp/rasa/bin/pip" install -q --upgrade pip wheel
grep -v '^#' "$SHOPDESK_ROOT/requirements/rasa.in" > "$tmp/rasa.txt"
"$tmp/rasa/bin/pip" install -q -r "$tmp/rasa.txt" 2>&1 | quiet_pip
"$tmp/rasa/bin/pip" install -q --no-deps --ignore-requires-python rasa==3.6.21 rasa-sdk==3.6.2 2>&1 | quiet_pip
"$tmp/rasa/bin/pip" freeze --all | grep -v '^pip==' > "$SHOPDESK_ROOT/requirements/rasa.lock.txt"
log "lock files written; commit requirements/*.lock.txt"
