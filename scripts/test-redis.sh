#!/usr/bin/env bash
# Start or stop a throwaway Redis server on loopback for the tests: `test-redis.sh start|stop`.
# No persistence, its own folder; prints the Redis URL on start (the last line). Starting twice keeps the first.
set -euo pipefail
DIR="${DS_TEST_REDIS_DIR:-/tmp/ds-pipeline-test-redis}"
REDIS="$(command -v redis-server || echo /usr/bin/redis-server)"
[ -x "$REDIS" ] || { echo "redis-server not found: apt-get install redis-server" >&2; exit 1; }

running() { [ -f "$DIR/redis.pid" ] && kill -0 "$(cat "$DIR/redis.pid")" 2>/dev/null; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

case "${1:-}" in
  start)
    if running && [ -f "$DIR/port" ]; then
      echo "redis://127.0.0.1:$(cat "$DIR/port")/0"; exit 0
    fi
    rm -rf "$DIR"; mkdir -p "$DIR"
    PORT="${DS_TEST_REDIS_PORT:-$(free_port)}"
    "$REDIS" --bind 127.0.0.1 --port "$PORT" --dir "$DIR" --daemonize yes --pidfile "$DIR/redis.pid" \
      --logfile "$DIR/server.log" --save "" --appendonly no --protected-mode yes >/dev/null
    for _ in $(seq 1 100); do
      if running && (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
      sleep 0.1
    done
    running || { echo "redis-server did not start: $(tail -n 5 "$DIR/server.log" 2>/dev/null)" >&2; exit 1; }
    echo "$PORT" > "$DIR/port"
    echo "redis://127.0.0.1:$PORT/0"
    ;;
  stop)
    if running; then
      PID="$(cat "$DIR/redis.pid")"
      kill "$PID" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -rf "$DIR"
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
