#!/usr/bin/env bash
# Starts and stops a throwaway PostgreSQL cluster in DIR for a test run (trust auth, 127.0.0.1 only):
#   bash .ci/postgres.sh start DIR   # prints postgresql+psycopg://postgres@127.0.0.1:PORT/suggester_test (also in DIR/url)
#   bash .ci/postgres.sh stop DIR    # safe to call twice
# Installs Debian's postgresql if no server is found; as root, the server runs as the postgres user.
set -euo pipefail
die() { echo "postgres.sh: $*" >&2; exit 1; }
[ $# -eq 2 ] && { [ "$1" = start ] || [ "$1" = stop ]; } || die "usage: $0 start|stop DIR"
cmd="$1"
mkdir -p "$2"
DIR="$(cd "$2" && pwd)"
DATA="$DIR/data"

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
BIN="$(find_bin)"

if [ "$cmd" = stop ]; then
  [ -n "$BIN" ] && [ -f "$DATA/PG_VERSION" ] || exit 0
  RUN=(); [ "$(id -u)" -eq 0 ] && RUN=(runuser -u "$(stat -c %U "$DATA")" --)
  if "${RUN[@]}" "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    "${RUN[@]}" "$BIN/pg_ctl" -D "$DATA" stop -m fast >&2
  fi
  exit 0
fi

if [ -z "$BIN" ]; then
  # Not apt-install.sh: initdb is not on PATH on Debian, so its `command -v` check can't see the server.
  echo "Installing Debian's postgresql..." >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >&2
  $SUDO apt-get install -y -qq --no-install-recommends postgresql >&2
  BIN="$(find_bin)"
  [ -n "$BIN" ] || die "postgresql installed but no /usr/lib/postgresql/*/bin/initdb found"
fi
echo "Using $BIN" >&2

RUN=()
if [ "$(id -u)" -eq 0 ]; then  # initdb refuses to run as root
  PGUSER_OS=postgres
  if ! id postgres >/dev/null 2>&1; then
    PGUSER_OS=suggester-pg
    id "$PGUSER_OS" >/dev/null 2>&1 || useradd --system --no-create-home "$PGUSER_OS"
  fi
  chown -R "$PGUSER_OS" "$DIR"
  RUN=(runuser -u "$PGUSER_OS" --)
  "${RUN[@]}" test -w "$DIR" || die "user $PGUSER_OS cannot write to $DIR (is a parent directory private?)"
fi

if [ ! -f "$DATA/PG_VERSION" ]; then
  "${RUN[@]}" "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C >&2
  cat >>"$DATA/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
started=""
for _ in 1 2 3; do  # retry: another process may grab the port between choosing and binding it
  PORT="$(free_port)"
  if "${RUN[@]}" "$BIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -o "-p $PORT" -w -t 60 start >&2; then
    started=1; break
  fi
done
if [ -z "$started" ]; then
  echo "---- tail of $DIR/server.log ----" >&2
  tail -n 30 "$DIR/server.log" >&2 || true
  die "could not start PostgreSQL in $DATA"
fi

"$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres suggester_test \
  || die "createdb failed (server log: $DIR/server.log)"
URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/suggester_test"
echo "$URL" >"$DIR/url"
echo "$URL"
