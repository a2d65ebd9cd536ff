#!/usr/bin/env bash
# A throwaway PostgreSQL for the store tests, on Debian, run as root.
#
#   eval "$(scripts/postgres-test.sh start)"   # installs postgresql if needed, starts a cluster,
#                                              # prints: export VISIO_TEST_POSTGRES_URL=...
#   go test ./internal/store/postgres
#   scripts/postgres-test.sh stop              # stops the cluster and deletes its files
#
# The cluster lives in $VISIO_PG_DIR (default /tmp/visio-postgres-test), listens on a unix socket
# there and on no TCP port, trusts local connections, and holds the database "visio_test".
# Running start twice reuses the running cluster. Everything it prints on stdout is shell code;
# progress goes to stderr.
set -euo pipefail

dir=${VISIO_PG_DIR:-/tmp/visio-postgres-test}
db=visio_test
log() { echo "postgres-test: $*" >&2; }

bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$d" ] || return 1
  echo "$d"
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

url() { echo "postgres:///$db?host=$dir&user=postgres&sslmode=disable"; }

start() {
  if ! bindir >/dev/null; then
    [ "$(id -u)" = 0 ] || { log "postgresql is not installed; run as root to install it"; exit 1; }
    log "installing postgresql (apt)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends postgresql >&2
  fi
  local bin
  bin=$(bindir)
  if [ "$(id -u)" = 0 ]; then
    # Debian's package may start its own cluster on port 5432; ours does not need it.
    mkdir -p "$dir"
    chown postgres: "$dir"
  else
    mkdir -p "$dir"
  fi
  chmod 700 "$dir"
  if as_postgres "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    log "already running in $dir"
  else
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      log "initdb in $dir/data"
      as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    log "starting (unix socket in $dir, no TCP)"
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
      -o "-c listen_addresses='' -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
  fi
  if ! as_postgres "$bin/psql" -h "$dir" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    as_postgres "$bin/createdb" -h "$dir" -U postgres "$db"
  fi
  echo "export VISIO_TEST_POSTGRES_URL='$(url)'"
}

stop() {
  local bin
  if bin=$(bindir) && [ -f "$dir/data/PG_VERSION" ]; then
    as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    log "stopped"
  fi
  rm -rf "$dir"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  url) url ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
