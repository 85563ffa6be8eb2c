#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL server on loopback for the tests: `test-postgres.sh start|stop`.
# Prints the SQLAlchemy URL on start. Uses the newest PostgreSQL installed from Debian (scripts/setup.sh).
set -euo pipefail
DIR="${DS_TEST_PG_DIR:-/tmp/ds-pipeline-test-pg}"
PORT="${DS_TEST_PG_PORT:-54329}"
PGBIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -n "$PGBIN" ] || { echo "PostgreSQL server binaries not found: run scripts/setup.sh" >&2; exit 1; }
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "${1:-}" in
  start)
    if as_owner "$PGBIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
      echo "postgresql+psycopg2://postgres@127.0.0.1:$PORT/ds_test"; exit 0
    fi
    rm -rf "$DIR"; mkdir -p "$DIR"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$DIR"
    as_owner "$PGBIN/initdb" -D "$DIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
    as_owner "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
      -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
    as_owner "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres ds_test
    echo "postgresql+psycopg2://postgres@127.0.0.1:$PORT/ds_test"
    ;;
  stop)
    as_owner "$PGBIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
