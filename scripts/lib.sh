# Shared helpers for the project's scripts: cached environments, trained models. Source it, don't run it.
# Environments live outside the clone, keyed by a hash of their lock file, so a fresh clone on a warm
# machine reuses them: ~/.cache/shopdesk/venvs/<name>-<hash>.

set -euo pipefail

SHOPDESK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHOPDESK_CACHE=${SHOPDESK_CACHE:-"$HOME/.cache/shopdesk"}
PYTHON=${SHOPDESK_PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

log() { printf '\033[1;34m[shopdesk]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[shopdesk] %s\033[0m\n' "$*" >&2; exit 1; }

# pip warns once per package about the machine's local index folders; keep real messages only
quiet_pip() { grep -v 'is ignored: it is neither a file nor a directory' || true; }

# ensure_env NAME LOCKFILE [PIP_FLAGS...] -> prints the environment's folder
ensure_env() {
  local name=$1 lock=$2; shift 2
  local key; key=$(printf '%s\n%s' "$("$PYTHON" -c 'import sys; print(sys.version)')" "$(cat "$lock")" | sha256sum | cut -c1-16)
  local dir="$SHOPDESK_CACHE/venvs/$name-$key"
  if [ ! -f "$dir/.complete" ]; then
    log "building the $name environment (once per lock file) in $dir"
    rm -rf "$dir"
    mkdir -p "$SHOPDESK_CACHE/venvs"
    "$PYTHON" -m venv "$dir"
    "$dir/bin/python" -m pip install -q --upgrade "pip<27" wheel 2>&1 | quiet_pip >&2
    "$dir/bin/python" -m pip install -q --no-deps "$@" -r "$lock" 2>&1 | quiet_pip >&2 \
      || die "could not install the $name environment"
    "$dir/bin/python" -m pip check >&2 || log "pip check reports conflicts in $name (expected for the Rasa engine on Python 3.11)"
    touch "$dir/.complete"
  fi
  printf '%s\n' "$dir"
}

rasa_env() { ensure_env rasa "$SHOPDESK_ROOT/requirements/rasa.lock.txt" --ignore-requires-python; }
app_env() { ensure_env app "$SHOPDESK_ROOT/requirements/app.lock.txt"; }

# The fingerprint of everything `rasa train` reads; a model is retrained only when it changes.
model_fingerprint() {
  (cd "$SHOPDESK_ROOT" && find config.yml domain.yml data -type f -name '*.yml' | LC_ALL=C sort | xargs sha256sum; cat requirements/rasa.lock.txt) \
    | sha256sum | cut -c1-16
}

# ensure_model RASA_ENV -> prints the path of a trained model for the current data
ensure_model() {
  local rasa_env=$1
  local fp; fp=$(model_fingerprint)
  local dir="$SHOPDESK_CACHE/models" model="$SHOPDESK_CACHE/models/shopdesk-$fp.tar.gz"
  if [ ! -f "$model" ]; then
    log "training the Rasa model (data fingerprint $fp)"
    mkdir -p "$dir"
    local start=$SECONDS
    (cd "$SHOPDESK_ROOT" && "$rasa_env/bin/rasa" train --quiet --num-threads 2 \
        --config config.yml --domain domain.yml --data data \
        --out "$dir" --fixed-model-name "shopdesk-$fp.partial.tar.gz" >&2) || die "rasa train failed"
    mv "$dir/shopdesk-$fp.partial.tar.gz" "$model"
    log "trained in $((SECONDS - start)) s"
  fi
  printf '%s\n' "$model"
}

# wait_http URL SECONDS NAME: wait until URL answers 2xx
wait_http() {
  local url=$1 timeout=$2 name=$3 i
  for ((i = 0; i < timeout * 4; i++)); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then return 0; fi
    sleep 0.25
  done
  die "$name did not become ready at $url within ${timeout}s"
}
