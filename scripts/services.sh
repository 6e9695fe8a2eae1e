#!/usr/bin/env bash
# Installs what is missing, then starts PostgreSQL and Redis on loopback (or reuses the ones already
# running on the same ports), creates the database and applies the schema. Safe to run again.
#
#   scripts/services.sh up      start (default)
#   scripts/services.sh down    stop both
#   scripts/services.sh env     print the connection settings as shell exports
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state="${RELAY_STATE_DIR:-/var/tmp/relay}"
pg_port="${RELAY_PG_PORT:-55432}"
redis_port="${RELAY_REDIS_PORT:-56379}"
pg_db="${RELAY_PG_DB:-relay}"
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"

log() { printf '[services] %s\n' "$*" >&2; }

install_missing() {
  local need=()
  [ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] || need+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
  command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
  if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  fi
}

pg_ready() { "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port" 2>/dev/null; }

start_postgres() {
  local data="$state/pg"
  if pg_ready; then log "postgres already up on $pg_port"; return; fi
  mkdir -p "$state"
  if [ ! -s "$data/PG_VERSION" ]; then
    log "initdb $data"
    mkdir -p "$data"; chown -R postgres:postgres "$data"; chmod 700 "$data"
    runuser -u postgres -- "$pg_bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  chown -R postgres:postgres "$data"
  rm -f "$data/postmaster.pid"
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
    -o "-p $pg_port -c listen_addresses=127.0.0.1 -k /tmp -c max_connections=300 -c fsync=on -c synchronous_commit=on" start >/dev/null
  pg_ready || { log "postgres did not start; see $data/server.log"; exit 1; }
  log "postgres up on 127.0.0.1:$pg_port"
}

start_redis() {
  if redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG; then log "redis already up on $redis_port"; return; fi
  mkdir -p "$state/redis"
  redis-server --daemonize yes --port "$redis_port" --bind 127.0.0.1 --dir "$state/redis" \
    --logfile "$state/redis/redis.log" --save "" --appendonly no >/dev/null
  for _ in $(seq 1 50); do
    redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && { log "redis up on 127.0.0.1:$redis_port"; return; }
    sleep 0.1
  done
  log "redis did not start; see $state/redis/redis.log"; exit 1
}

apply_schema() {
  local psql=(env PGOPTIONS="-c client_min_messages=warning" psql -v ON_ERROR_STOP=1 -q -h 127.0.0.1 -p "$pg_port" -U postgres)
  if ! "${psql[@]}" -d postgres -tAc "select 1 from pg_database where datname='$pg_db'" | grep -q 1; then
    "${psql[@]}" -d postgres -c "create database \"$pg_db\"" >/dev/null
  fi
  for f in "$root"/deploy/sql/*.sql; do
    "${psql[@]}" -d "$pg_db" -f "$f" >/dev/null
  done
  log "schema applied to $pg_db"
}

print_env() {
  echo "export RELAY_POSTGRES='Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=$pg_db'"
  echo "export RELAY_REDIS='127.0.0.1:$redis_port'"
}

case "${1:-up}" in
  up)
    install_missing; start_postgres; start_redis; apply_schema ;;
  down)
    [ -n "$pg_bin" ] && runuser -u postgres -- "$pg_bin/pg_ctl" -D "$state/pg" -m fast stop >/dev/null 2>&1 || true
    redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
    log "stopped" ;;
  env) print_env ;;
  *) echo "usage: $0 [up|down|env]" >&2; exit 2 ;;
esac
