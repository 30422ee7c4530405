#!/usr/bin/env bash
# Re-resolve the environments and write the hashed lock files the other scripts install (pip
# --require-hashes). Run it when you change a requirement; commit requirements/*.lock.txt (their contents
# key the cached environments). Versions already in a lock file are kept unless a requirement moves them;
# `scripts/lock.sh --upgrade` takes the newest allowed versions instead.
#
#   app.lock.txt   the runtime: pyproject.toml's dependencies, with torch's CPU build (torch-cpu.txt)
#   dev.lock.txt   pyproject.toml's `dev` group (tests, lint, types), constrained by app.lock.txt
#   rasa.lock.txt  the Rasa engine: rasa.in resolved, then rasa-engine.in pinned without its dependencies
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
cd "$SHOPDESK_ROOT/requirements"

uv_env=$(ensure_env lock-tools "" lock-tools.lock.txt)
uv=("$uv_env/bin/uv" pip compile --quiet --generate-hashes
    --custom-compile-command "scripts/lock.sh" "$@")
# Resolve against what pip sees on this machine (export_uv_index_settings in lib.sh).
export_uv_index_settings

log "resolving app.lock.txt"
(cd .. && "${uv[@]}" --python-version 3.11 pyproject.toml -c requirements/torch-cpu.txt -o requirements/app.lock.txt)
log "resolving dev.lock.txt"
(cd .. && "${uv[@]}" --python-version 3.11 --group pyproject.toml:dev -c requirements/app.lock.txt -o requirements/dev.lock.txt)

# Rasa 3.6 declares python<3.11, so no resolver takes it on 3.11: its requirements (rasa.in) are resolved
# and hashed like the others, and Rasa itself is pinned and hashed without its dependencies, at the end.
log "resolving rasa.lock.txt"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp rasa.lock.txt "$tmp/deps.txt" 2>/dev/null || true  # its pins are the preferred versions
"${uv[@]}" --python-version 3.11 rasa.in -o "$tmp/deps.txt"
"${uv[@]}" --no-header --no-deps --python-version 3.10 rasa-engine.in -o "$tmp/engine.txt"
{ cat "$tmp/deps.txt"; echo "# Rasa itself (requirements/rasa-engine.in): installed with --no-deps --ignore-requires-python"; cat "$tmp/engine.txt"; } > rasa.lock.txt
log "lock files written; commit requirements/*.lock.txt"
