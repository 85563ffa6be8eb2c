#!/usr/bin/env bash
# `make ui`: the Dagster UI (`dagster dev`: webserver, daemon and code server) on http://127.0.0.1:3000, for the
# instance in $DAGSTER_HOME (default assets/dagster, configured from deploy/dagster.local.yaml on first use).
# DS_UI_HOST and DS_UI_PORT choose another address.
#
# Stopping. SIGTERM, SIGINT or SIGHUP sent to this script, SIGTERM sent to `make ui`, or any of them sent to their
# whole process group stops dagster dev and every process it started, then the script exits 0. Started in the
# background (`make ui &` in a script, a service manager, a process without a terminal), dagster dev alone would
# ignore both SIGTERM and SIGINT: the shell starts background commands with SIGINT ignored, Python then installs
# no KeyboardInterrupt handler, and dagster dev maps SIGTERM to whatever SIGINT does. So this script
#   - runs dagster dev in a process group of its own with SIGINT back to its default (KeyboardInterrupt, dagster
#     dev's graceful shutdown: it asks its webserver, daemon and code server to stop, and waits for them);
#   - on SIGTERM, SIGINT or SIGHUP, sends SIGINT to dagster dev and waits up to DS_UI_STOP_TIMEOUT seconds
#     (default 15) for its whole process group to end, then kills what is left with SIGKILL and exits 1.
# If dagster dev ends by itself, the script exits with its status. GNU make passes SIGTERM on to the recipe but
# not SIGINT (it leaves SIGINT to the terminal, which sends it to the whole foreground process group): to stop
# `make ui` with SIGINT, send it to the process group, as Ctrl-C does, or to this script.
set -uo pipefail

self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$self")/.."
VENV="${VENV:-.venv}"
BIN="$VENV/bin"

# A non-interactive bash started with SIGINT ignored cannot trap it: start again with SIGINT at its default.
if [ "$(trap -p INT)" = "trap -- '' SIGINT" ] && [ -z "${DS_UI_SIGINT_RESET:-}" ]; then
  export DS_UI_SIGINT_RESET=1
  exec "$BIN/python" -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$(command -v bash)" "$self" "$@"
fi
unset DS_UI_SIGINT_RESET

host="${DS_UI_HOST:-127.0.0.1}"
port="${DS_UI_PORT:-3000}"
stop_timeout="${DS_UI_STOP_TIMEOUT:-15}"
export DAGSTER_HOME="${DAGSTER_HOME:-$PWD/assets/dagster}"
export DS_DATABASE_URL="${DS_DATABASE_URL:-sqlite:///$PWD/assets/warehouse.db}"
mkdir -p "$DAGSTER_HOME" || exit 1
[ -f "$DAGSTER_HOME/dagster.yaml" ] || cp deploy/dagster.local.yaml "$DAGSTER_HOME/dagster.yaml" || exit 1

pid=""
stop_signal=""
deadline=""

interrupt_dagster() {
  kill -INT "$pid" 2>/dev/null || true
}

on_signal() {
  [ -n "$stop_signal" ] && return  # already stopping
  stop_signal="$1"
  deadline=$((SECONDS + stop_timeout))
  echo "ui: SIG$1 received, stopping dagster dev (up to ${stop_timeout} s)" >&2
  [ -n "$pid" ] && interrupt_dagster
}
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

# dagster dev in a process group of its own (same session), SIGINT and SIGTERM at their defaults.
"$BIN/python" -c 'import os, signal, sys
os.setpgid(0, 0)
signal.signal(signal.SIGINT, signal.SIG_DFL)
signal.signal(signal.SIGTERM, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$BIN/dagster" dev -w workspace.yaml -h "$host" -p "$port" &
pid=$!
[ -n "$stop_signal" ] && interrupt_dagster  # a signal came before $pid was known

# Wait for dagster dev: `wait` returns early when a trapped signal arrives (its handler has interrupted dagster dev).
status=0
while [ -z "$stop_signal" ]; do
  wait "$pid"
  status=$?
  kill -0 "$pid" 2>/dev/null || break
done

# Wait for dagster dev and everything in its process group to end; kill what is left at the deadline.
[ -n "$deadline" ] || deadline=$((SECONDS + stop_timeout))
killed=""
while kill -0 -- "-$pid" 2>/dev/null || kill -0 "$pid" 2>/dev/null; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "ui: dagster dev did not stop within ${stop_timeout} s, killing what is left" >&2
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
    killed=1
    break
  fi
  sleep 0.2
done
wait "$pid" 2>/dev/null

if [ -n "$killed" ]; then
  exit 1
elif [ -n "$stop_signal" ]; then
  echo "ui: dagster dev stopped" >&2
  exit 0
fi
exit "$status"
