# Shared helpers for the project's scripts: cached environments, trained models. Source it, don't run it.
# Environments live outside the clone, keyed by a hash of their lock files, so a fresh clone on a warm
# machine reuses them: $SHOPDESK_CACHE/venvs/<name>-<hash> (SHOPDESK_CACHE defaults to ~/.cache/shopdesk).

set -euo pipefail

SHOPDESK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHOPDESK_CACHE=${SHOPDESK_CACHE:-"$HOME/.cache/shopdesk"}
PYTHON=${SHOPDESK_PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

log() { printf '\033[1;34m[shopdesk]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[shopdesk] %s\033[0m\n' "$*" >&2; exit 1; }

# Tools' own output (pip, Rasa's training, third-party warnings) goes to log files here; the terminal
# gets one progress line per long step.
SHOPDESK_LOGS="$SHOPDESK_CACHE/logs"

# uv_bin -> prints the path of uv, installing it first if missing; prints nothing (status 1) when it cannot.
# uv is pinned and hashed in requirements/lock-tools.lock.txt (from PyPI); the system Python's pip installs
# it into the cache (no venv, seconds). SHOPDESK_INSTALLER=pip skips uv.
uv_bin() {
  [ "${SHOPDESK_INSTALLER:-uv}" = uv ] || return 1
  local lock="$SHOPDESK_ROOT/requirements/lock-tools.lock.txt" key dir lock_fd
  key=$( { "$PYTHON" -c 'import sys; print(sys.version)'; cat "$lock"; } | sha256sum | cut -c1-16)
  dir="$SHOPDESK_CACHE/tools/uv-$key"
  if [ ! -x "$dir/bin/uv" ]; then
    mkdir -p "$SHOPDESK_CACHE/tools" "$SHOPDESK_LOGS"
    exec {lock_fd}>"$dir.lock"; flock "$lock_fd"
    if [ ! -x "$dir/bin/uv" ]; then
      rm -rf "$dir.partial"
      "$PYTHON" -m pip install --require-hashes --no-deps --target "$dir.partial" -r "$lock" \
        >> "$SHOPDESK_LOGS/uv-$key.log" 2>&1 && mv "$dir.partial" "$dir"
    fi
    exec {lock_fd}>&-
  fi
  [ -x "$dir/bin/uv" ] || return 1
  printf '%s\n' "$dir/bin/uv"
}

# uv reads pip's index settings from the environment: PyPI plus the local indexes and wheel folders of
# pip's configuration (the CPU torch wheel lies in one), every index weighed as pip does. Used by
# ensure_env and scripts/lock.sh.
export_uv_index_settings() {
  pip_setting() { "$PYTHON" -m pip config get "global.$1" 2>/dev/null || true; }
  export UV_INDEX_STRATEGY=unsafe-best-match UV_NO_CONFIG=1
  UV_EXTRA_INDEX_URL=${PIP_EXTRA_INDEX_URL:-$(pip_setting extra-index-url)}
  UV_FIND_LINKS=${PIP_FIND_LINKS:-$(pip_setting find-links)}
  UV_FIND_LINKS=${UV_FIND_LINKS// /,}
  export UV_EXTRA_INDEX_URL UV_FIND_LINKS
  [ -n "$UV_EXTRA_INDEX_URL" ] || unset UV_EXTRA_INDEX_URL
  [ -n "$UV_FIND_LINKS" ] || unset UV_FIND_LINKS
  local cert; cert=${PIP_CERT:-$(pip_setting cert)}
  if [ -n "$cert" ] && [ -z "${SSL_CERT_FILE:-}" ]; then export SSL_CERT_FILE=$cert; fi
}

# ensure_env NAME "PIP_FLAGS" LOCKFILE... -> prints the environment's folder
# Installs the lock files, in order, with --require-hashes --no-deps into a venv keyed by the Python
# version, the flags and the lock files' contents; a later lock may repeat pins of an earlier one. uv
# installs them (downloads and unpacks in parallel: about half pip's time on the 2-core machine); pip
# when uv is unavailable or fails (or SHOPDESK_INSTALLER=pip). uv installs exactly the listed files with
# --no-deps, so it needs no --ignore-requires-python (pip does, for the Rasa engine).
ensure_env() {
  local name=$1 flags=$2; shift 2
  local -a pip_flags locks=() lock_args=()
  read -ra pip_flags <<< "$flags"
  local lock
  for lock in "$@"; do locks+=("$SHOPDESK_ROOT/requirements/$lock"); lock_args+=(-r "$SHOPDESK_ROOT/requirements/$lock"); done
  local key; key=$( { "$PYTHON" -c 'import sys; print(sys.version)'; echo "$flags"; cat "${locks[@]}"; } | sha256sum | cut -c1-16)
  local dir="$SHOPDESK_CACHE/venvs/$name-$key"
  mkdir -p "$SHOPDESK_CACHE/venvs" "$SHOPDESK_LOGS"
  # one builder per environment: a second run (another clone, a parallel test) waits for the first
  local lock_fd; exec {lock_fd}>"$dir.lock"; flock "$lock_fd"
  if [ ! -f "$dir/.complete" ]; then
    local build_log="$SHOPDESK_LOGS/env-$name-$key.log" total uv start=$SECONDS
    total=$(cat "${locks[@]}" | grep -E '^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^]]*\])?==' | cut -d= -f1 | sed 's/\[.*//' | tr 'A-Z_.' 'a-z--' | sort -u | wc -l)
    log "building the $name environment ($total packages; once per lock file; log: $build_log)"
    rm -rf "$dir"
    : > "$build_log"
    if uv=$(uv_bin) && (export_uv_index_settings \
        && "$uv" venv --quiet --python "$PYTHON" "$dir" \
        && "$uv" pip install --require-hashes --no-deps --python "$dir/bin/python" "${lock_args[@]}") >> "$build_log" 2>&1; then
      "$uv" pip check --python "$dir/bin/python" >> "$build_log" 2>&1 \
        || [ "$name" = rasa ] || log "uv pip check reports conflicts in $name; see $build_log"
    else
      [ -z "${uv:-}" ] || log "uv could not install the $name environment; pip will (see $build_log)"
      rm -rf "$dir"
      "$PYTHON" -m venv "$dir"
      "$dir/bin/python" -m pip install --upgrade "pip<27" >> "$build_log" 2>&1 || die "could not update pip; see $build_log"
      if ! "$dir/bin/python" -m pip install --require-hashes --no-deps "${pip_flags[@]}" "${lock_args[@]}" 2>&1 \
        | "$PYTHON" "$SHOPDESK_ROOT/scripts/progress.py" pip "$total" "$build_log"; then
        tail -n 20 "$build_log" >&2
        die "could not install the $name environment; see $build_log"
      fi
      "$dir/bin/python" -m pip check >> "$build_log" 2>&1 \
        || [ "$name" = rasa ] || log "pip check reports conflicts in $name; see $build_log"
    fi
    touch "$dir/.complete"
    log "the $name environment is ready ($((SECONDS - start)) s)"
  fi
  exec {lock_fd}>&-
  printf '%s\n' "$dir"
}

# Rasa 3.6 declares python<3.11 but runs on it with the versions rasa.lock.txt pins (see rasa-engine.in);
# pip check reports those declared conflicts, expected here.
rasa_env() { ensure_env rasa "--ignore-requires-python" rasa.lock.txt; }
# The runtime: what scripts/run.sh and bin/shopdesk need.
app_env() { ensure_env app "" app.lock.txt; }
# The runtime plus tests, lint and types: what scripts/test.sh needs.
dev_env() { ensure_env dev "" app.lock.txt dev.lock.txt; }

# app_and_rasa_envs APP_ENV_FUNCTION: builds the application's environment (app_env or dev_env) and the
# Rasa engine's at the same time (mostly downloads and unpacking, which overlap well); sets APP and RASA.
app_and_rasa_envs() {
  local rasa_out; rasa_out=$(mktemp)
  rasa_env > "$rasa_out" &
  local rasa_pid=$!
  APP=$("$1") || { kill "$rasa_pid" 2>/dev/null; rm -f "$rasa_out"; die "could not build the $1 environment"; }
  wait "$rasa_pid" || { rm -f "$rasa_out"; die "could not build the Rasa engine environment"; }
  RASA=$(cat "$rasa_out"); rm -f "$rasa_out"
}

# generate_training_data: the NLU data made from the shop's policy (its order-number shapes), written
# before fingerprinting so a new shape retrains the model. SHOPDESK_POLICY_FILE picks the shop's policy.
generate_training_data() {
  local app; app=$(app_env)
  (cd "$SHOPDESK_ROOT" && PYTHONPATH="$SHOPDESK_ROOT" "$app/bin/python" -m bot.language.nlu_data \
    "${SHOPDESK_POLICY_FILE:-knowledge/policy.yml}" data/nlu/order_numbers.generated.yml) \
    || die "could not generate the NLU data from the policy file (shopdesk policy check)"
}

# The NLU pipeline's sentence encoder (integrations/rasa_engine/nlu/sentence_encoder.py): the retrieval's MiniLM
# model exported to ONNX by the app's environment (the Rasa engine's has no torch) into var/nlu-encoder,
# where config.yml's NearestExampleSearch reads it while training. Copied again only for a new model.
export_nlu_encoder() {
  local app; app=$(app_env)
  (cd "$SHOPDESK_ROOT" && HF_HUB_OFFLINE=1 PYTHONPATH="$SHOPDESK_ROOT" "$app/bin/python" -m knowledge.onnx_export \
    var/nlu-encoder "$SHOPDESK_CACHE/onnx" >> "$SHOPDESK_LOGS/nlu-encoder.log" 2>&1) \
    || die "could not export the NLU's sentence encoder; see $SHOPDESK_LOGS/nlu-encoder.log"
}

# The fingerprint of everything `rasa train` reads (the training data, and the code of our own pipeline
# components and the ONNX runner they import), and the engine's versions (not the lock file's hashes or comments); a model is retrained
# only when it changes.
model_fingerprint() {
  (cd "$SHOPDESK_ROOT" && { find config.yml domain.yml data -type f -name '*.yml'; find integrations/rasa_engine/nlu -name '*.py'; echo knowledge/onnx_runner.py; } \
     | LC_ALL=C sort | xargs sha256sum
   grep -E '^[A-Za-z0-9].*==' requirements/rasa.lock.txt | cut -d' ' -f1) \
    | sha256sum | cut -c1-16
}

# ensure_model RASA_ENV -> prints the path of a trained model for the current data. Training shows one
# progress line (the component and its epoch); Rasa's own output and warnings go to a log file.
ensure_model() {
  local rasa_env=$1
  generate_training_data
  local fp; fp=$(model_fingerprint)
  local dir="$SHOPDESK_CACHE/models" model="$SHOPDESK_CACHE/models/shopdesk-$fp.tar.gz"
  mkdir -p "$dir" "$SHOPDESK_LOGS"
  local lock_fd; exec {lock_fd}>"$dir/shopdesk-$fp.lock"; flock "$lock_fd"
  if [ ! -f "$model" ]; then
    local train_log="$SHOPDESK_LOGS/train-$fp.log" start=$SECONDS
    : > "$train_log"
    log "training the Rasa model (a few minutes, once per change to the training data; log: $train_log)"
    export_nlu_encoder
    # Rasa's cache of trained components lives with ours, so SHOPDESK_CACHE holds everything; the pipeline's
    # own components (integrations/rasa_engine) import from the repository root
    if ! (cd "$SHOPDESK_ROOT" && export RASA_CACHE_DIRECTORY=${RASA_CACHE_DIRECTORY:-"$SHOPDESK_CACHE/rasa-cache"} \
        PYTHONPATH="$SHOPDESK_ROOT${PYTHONPATH:+:$PYTHONPATH}" \
        && "$rasa_env/bin/rasa" train --num-threads 2 \
        --config config.yml --domain domain.yml --data data \
        --out "$dir" --fixed-model-name "shopdesk-$fp.partial.tar.gz" 2>&1 \
        | "$PYTHON" "$SHOPDESK_ROOT/scripts/progress.py" rasa-train - "$train_log"); then
      tail -n 30 "$train_log" >&2
      die "rasa train failed; see $train_log"
    fi
    mv "$dir/shopdesk-$fp.partial.tar.gz" "$model"
    log "trained in $((SECONDS - start)) s"
  fi
  exec {lock_fd}>&-
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
