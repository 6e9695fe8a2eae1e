#!/usr/bin/env bash
# Brings the whole system up on this machine: PostgreSQL, Redis, a silo, and (when built) the simulator
# and an edge with a demo account; prints how to call it. Stop everything with: scripts/up.sh down
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
run="$root/.relay"
mkdir -p "$run"

silo_http="${RELAY_SILO_HTTP_PORT:-8081}"

stop_all() {
  for pidfile in "$run"/*.pid; do
    [ -e "$pidfile" ] || continue
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
}

if [ "${1:-}" = "down" ]; then
  stop_all
  bash scripts/services.sh down
  exit 0
fi

bash scripts/services.sh up
eval "$(bash scripts/services.sh env)"
stop_all

echo "[up] building (Release)"
dotnet build Relay.sln -c Release --nologo -v quiet -clp:ErrorsOnly

wait_http() {
  for _ in $(seq 1 120); do
    curl -fsS "$1" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "[up] $1 did not answer; see $run/*.log" >&2
  exit 1
}

echo "[up] starting silo"
ConnectionStrings__Postgres="$RELAY_POSTGRES" ConnectionStrings__Redis="$RELAY_REDIS" \
  ASPNETCORE_URLS="http://127.0.0.1:$silo_http" \
  nohup dotnet src/Relay.Silo/bin/Release/net10.0/Relay.Silo.dll >"$run/silo.log" 2>&1 &
echo $! >"$run/silo.pid"
wait_http "http://127.0.0.1:$silo_http/healthz"

cat <<EOM

Relay is up.
  PostgreSQL  $RELAY_POSTGRES
  Redis       $RELAY_REDIS
  Silo        pid $(cat "$run/silo.pid"), health http://127.0.0.1:$silo_http/healthz, logs $run/silo.log

Stop it with: bash scripts/up.sh down
EOM
