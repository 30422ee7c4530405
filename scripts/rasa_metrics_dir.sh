#!/usr/bin/env bash
# rasa_metrics_dir.sh DIR COMMAND [ARG...]: run a Rasa server command (`rasa run ...`) so that its per-step
# metrics (integrations/rasa_engine/timing.py, GET /webhooks/metrics/) count the turns of all its Sanic
# workers, whichever worker answers the scrape.
#
# With SANIC_WORKERS > 1 the command runs in prometheus-client's multiprocess mode: PROMETHEUS_MULTIPROC_DIR
# is DIR, where every worker writes its samples and from which a scrape sums them. The variable must be
# set before Rasa starts (its workers are forked from the process that imports prometheus-client), and DIR
# must start empty on every run: the files of an earlier run's workers would add their counts to this
# one's. So DIR is emptied first; one directory per Rasa server (scripts/run.sh: var/rasa-metrics;
# scripts/production.py: one per replica, emptied again when supervisord restarts it).
# With one worker the command runs without the variable: the process's own registry, process_* included.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 DIR COMMAND [ARG...]" >&2; exit 2; }
dir=$1
shift
if [ "${SANIC_WORKERS:-1}" -gt 1 ]; then
  mkdir -p -- "$dir"
  # prometheus-client's files only: {counter,gauge_MODE,histogram,summary}_PID.db
  find "$dir" -maxdepth 1 -type f -name '*.db' -delete
  export PROMETHEUS_MULTIPROC_DIR=$dir
else
  unset PROMETHEUS_MULTIPROC_DIR prometheus_multiproc_dir  # the second: the old name prometheus-client reads too
fi
exec "$@"
