#!/usr/bin/env bash
# The chaos run: a Relay cluster on this machine (2 silos, 2 edges, the simulator, a Redis of its own), several
# hundred streamed calls from many clients over both edges, and meanwhile kill -9 of a silo and of an edge, their
# restarts and a restart of Redis. Afterwards tools/Relay.Chaos proves the money exact against the ledger, the
# simulator and the admin API, prints a summary table and exits non-zero on any difference. Nothing is left
# running; the shared PostgreSQL is only used (database relay_chaos), the shared Redis is never touched.
#
#   scripts/chaos.sh [run]            the whole run (what CI calls); exit 0 only when every check passes
#   scripts/chaos.sh restart-redis    the run's own Redis: shutdown nosave, start again empty
#   scripts/chaos.sh kill-silo I | restart-silo I | kill-edge J | restart-edge J    (scripts/cluster.sh, run's settings)
#
# Settings (environment): CHAOS_MAX_CALLS (400), CHAOS_MAX_SECONDS (240), CHAOS_CLIENTS (24), CHAOS_ACCOUNTS (20),
# CHAOS_DRAIN_SECONDS (150), CHAOS_SEED (20261127), CHAOS_FAULTS (see tools/Relay.Chaos/ChaosOptions.cs),
# CHAOS_PORT_BASE (27000), CHAOS_REDIS_PORT (26390), CHAOS_DB (relay_chaos); the ports sit below Linux's ephemeral
# range (32768-60999), where an outgoing connection of any process could hold them when a restart needs them,
# CHAOS_SIM_SETTINGS (_event-delay-ms/100/_output-tokens/30/_cache-read-tokens/12: each answer streams ~3 s),
# CHAOS_RESERVATION_TIMEOUT (00:01:00, the silos' Relay:Accounts:ReservationTimeout).
# Logs: .relay/cluster/*.log (cluster), .relay/chaos/ (Redis, the run's output).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$root/.relay/chaos"
redis_port="${CHAOS_REDIS_PORT:-26390}"
pg_port="${RELAY_PG_PORT:-55432}"
db="${CHAOS_DB:-relay_chaos}"
chaos_dll="$root/tools/Relay.Chaos/bin/Release/net10.0/Relay.Chaos.dll"

export RELAY_CLUSTER_PORT_BASE="${CHAOS_PORT_BASE:-27000}"
export RELAY_REDIS="127.0.0.1:$redis_port"
export RELAY_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=$db"
export RELAY_SIM_SETTINGS="${CHAOS_SIM_SETTINGS:-_event-delay-ms/100/_output-tokens/30/_cache-read-tokens/12}"
# Reservations of calls whose edge dies expire within the run (default 30 min), so that the audit sees them charged;
# longer than any call of the run, including a settlement that waits out a dead silo (30 s) and is retried.
export Relay__Accounts__ReservationTimeout="${CHAOS_RESERVATION_TIMEOUT:-00:01:00}"

log() { printf '[chaos] %s\n' "$*" >&2; }
die() { log "$*"; exit 2; }

# ---- the run's own Redis -----------------------------------------------------------------------------

redis_pid() { cat "$work/redis/redis.pid" 2>/dev/null || true; }

# True when the Redis on our port is the one this script started (its pid file names a live redis-server).
redis_is_ours() {
  local pid; pid="$(redis_pid)"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "redis-server.*:$redis_port"
}

redis_start() {
  [ "$redis_port" != "56379" ] || die "CHAOS_REDIS_PORT must not be the shared Redis port 56379"
  if redis-cli -p "$redis_port" ping >/dev/null 2>&1 && ! redis_is_ours; then
    die "port $redis_port answers as Redis but is not the chaos run's; set CHAOS_REDIS_PORT"
  fi
  mkdir -p "$work/redis"
  redis-server --daemonize yes --port "$redis_port" --bind 127.0.0.1 --dir "$work/redis" --pidfile "$work/redis/redis.pid" \
    --logfile "$work/redis/redis.log" --save "" --appendonly no >/dev/null
  for _ in $(seq 1 100); do
    redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && return 0
    sleep 0.1
  done
  die "the chaos Redis did not start on $redis_port; see $work/redis/redis.log"
}

redis_stop() {
  redis_is_ours || return 0
  local pid; pid="$(redis_pid)"
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    [ -e "/proc/$pid" ] || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

# ---- the run -----------------------------------------------------------------------------------------

prepare_database() {
  local psql=(env PGOPTIONS="-c client_min_messages=warning" psql -v ON_ERROR_STOP=1 -q -h 127.0.0.1 -p "$pg_port" -U postgres)
  if ! "${psql[@]}" -d postgres -tAc "select 1 from pg_database where datname='$db'" | grep -q 1; then
    "${psql[@]}" -d postgres -c "create database \"$db\"" >/dev/null
  fi
  local f
  for f in "$root"/deploy/sql/*.sql; do "${psql[@]}" -d "$db" -f "$f" >/dev/null; done
}

cluster_started=0

cleanup() {
  local rc=$?
  ((cluster_started == 0)) || bash "$root/scripts/cluster.sh" stop || true
  redis_stop
  exit "$rc"
}

cmd_run() {
  log "building tools/Relay.Chaos (Release)"
  dotnet build "$root/tools/Relay.Chaos/Relay.Chaos.csproj" -c Release --nologo -v quiet -clp:ErrorsOnly >&2
  bash "$root/scripts/services.sh" up
  prepare_database
  mkdir -p "$work"
  trap cleanup EXIT
  redis_stop
  redis_start
  log "own Redis on $RELAY_REDIS; database $db"

  local run_id; run_id="$(date -u +%Y%m%d%H%M%S)"
  # cluster.sh refuses to start over a running cluster of this checkout, and stops what it started if it fails.
  RELAY_CLUSTER_ID="chaos-$run_id" RELAY_SERVICE_ID="chaos" bash "$root/scripts/cluster.sh" start --silos 2 --edges 2
  cluster_started=1
  # shellcheck disable=SC1091
  source "$root/.relay/cluster.env"

  local rc=0 faults=()
  [ -z "${CHAOS_FAULTS:-}" ] || faults=(--faults "$CHAOS_FAULTS")
  dotnet "$chaos_dll" "${faults[@]}" \
    --edges "$EDGE_URLS" \
    --admin-edges "$EDGE_ADMIN_URLS" \
    --admin-token "$ADMIN_TOKEN" \
    --simulator "http://127.0.0.1:$SIM_PORT/" \
    --postgres "$RELAY_POSTGRES" \
    --prices "$root/src/Relay.EdgeApi/appsettings.json" \
    --control "bash $root/scripts/chaos.sh" \
    --accounts "${CHAOS_ACCOUNTS:-20}" \
    --clients "${CHAOS_CLIENTS:-24}" \
    --max-calls "${CHAOS_MAX_CALLS:-400}" \
    --max-seconds "${CHAOS_MAX_SECONDS:-240}" \
    --drain-seconds "${CHAOS_DRAIN_SECONDS:-150}" \
    --seed "${CHAOS_SEED:-20261127}" \
    --run-id "$run_id" | tee "$work/run-$run_id.txt" || rc=$?
  log "run output: $work/run-$run_id.txt; cluster logs: $root/.relay/cluster/"
  return "$rc"
}

command="${1:-run}"
[ $# -gt 0 ] && shift
case "$command" in
  run) cmd_run ;;
  restart-redis)
    redis_is_ours || die "the chaos Redis is not running"
    redis_stop
    redis_start
    log "Redis on $redis_port restarted empty" ;;
  kill-silo|restart-silo|kill-edge|restart-edge) bash "$root/scripts/cluster.sh" "$command" "$@" ;;
  *) sed -n '2,18s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac
