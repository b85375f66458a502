#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on 127.0.0.1 for the `postgres` test marker.
#   eval "$(.ci/postgres.sh)"        # exports BENCH_TEST_POSTGRES_URL
# Installs the Debian `postgresql` package if no server binaries exist, creates a cluster in
# a temp folder (initdb, trust auth on loopback only), starts it and creates `bench_test`.
# Idempotent: a server already answering on the port is reused. Stop it with
#   pg_ctl -D "$BENCH_PG_DIR/data" stop   (as the postgres user when run as root)
set -euo pipefail
PORT="${BENCH_PG_PORT:-55432}"
DIR="${BENCH_PG_DIR:-${TMPDIR:-/tmp}/bench-postgres}"
DB=bench_test

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
BIN="$(find_bin)"
if [ -z "$BIN" ]; then
  echo "postgres.sh: installing postgresql (apt-get)" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  BIN="$(find_bin)"
fi

# initdb refuses to run as root: use the postgres account the Debian package creates.
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi

if ! "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
  mkdir -p "$DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$DIR"
  if [ ! -f "$DIR/data/PG_VERSION" ]; then
    as_pg "$BIN/initdb" -D "$DIR/data" -U postgres -A trust --no-sync >&2
  fi
  as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
    -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=100" start >&2
fi
if ! "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1; then
  "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB"
fi
URL="postgresql://postgres@127.0.0.1:$PORT/$DB"
echo "export BENCH_TEST_POSTGRES_URL=$URL"
