#!/usr/bin/env bash
# Brings the whole system up on this machine: PostgreSQL, Redis, a silo, and (when built) the simulator
# and an edge with a demo account; prints how to call it. Stop everything with: scripts/up.sh down
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
run="$root/.relay"
mkdir -p "$run"

silo_http="${RELAY_SILO_HTTP_PORT:-8081}"
edge_port="${RELAY_EDGE_PORT:-8080}"
# The edge's internal listener: the admin API and metrics, never served on the public port.
edge_admin_port="${RELAY_EDGE_ADMIN_PORT:-8082}"
sim_port="${RELAY_SIMULATOR_PORT:-8790}"

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

# Idle thread-pool threads do not spin before sleeping: on a few shared cores that only takes CPU from the
# other processes (docs/benchmarks.md).
export DOTNET_ThreadPool_UnfairSemaphoreSpinLimit="${DOTNET_ThreadPool_UnfairSemaphoreSpinLimit:-0}"

echo "[up] starting silo"
ConnectionStrings__Postgres="$RELAY_POSTGRES" ConnectionStrings__Redis="$RELAY_REDIS" \
  ASPNETCORE_URLS="http://127.0.0.1:$silo_http" \
  nohup dotnet src/Relay.Silo/bin/Release/net10.0/Relay.Silo.dll >"$run/silo.log" 2>&1 &
echo $! >"$run/silo.pid"
wait_http "http://127.0.0.1:$silo_http/healthz"

echo "[up] starting the upstream simulator"
nohup bash -c 'cd src/Relay.Simulator/bin/Release/net10.0 && exec dotnet Relay.Simulator.dll --urls "$0"' "http://127.0.0.1:$sim_port" \
  >"$run/simulator.log" 2>&1 &
echo $! >"$run/simulator.pid"

# The admin token is made once per machine and kept beside the logs.
[ -s "$run/admin-token" ] || head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$run/admin-token"
admin_token="$(cat "$run/admin-token")"
[ -s "$run/session-secret" ] || head -c 48 /dev/urandom | base64 | tr -d '/+=' >"$run/session-secret"

echo "[up] starting the edge"
# One simulator channel per provider, with no model list: each serves every catalog model of its provider. They seed
# the cluster's catalog the first time only; after that the catalog is changed through the admin API.
sim="http://127.0.0.1:$sim_port"
env ConnectionStrings__Redis="$RELAY_REDIS" ASPNETCORE_URLS="http://127.0.0.1:$edge_port;http://127.0.0.1:$edge_admin_port" \
  Relay__InternalPort="$edge_admin_port" Relay__AdminToken="$admin_token" Relay__Users__SessionSecret="$(cat "$run/session-secret")" \
  Relay__Channels__0__Name=sim-anthropic Relay__Channels__0__Provider=anthropic Relay__Channels__0__BaseUrl="$sim" \
  Relay__Channels__0__ApiKey=sim-key \
  Relay__Channels__1__Name=sim-openai Relay__Channels__1__Provider=openai Relay__Channels__1__BaseUrl="$sim" \
  Relay__Channels__1__ApiKey=sim-key \
  Relay__Channels__2__Name=sim-glm Relay__Channels__2__Provider=glm Relay__Channels__2__BaseUrl="$sim" \
  Relay__Channels__2__ApiKey=sim-key \
  nohup bash -c 'cd src/Relay.EdgeApi/bin/Release/net10.0 && exec dotnet Relay.EdgeApi.dll' >"$run/edge.log" 2>&1 &
echo $! >"$run/edge.pid"
wait_http "$sim/_sim/served"
wait_http "http://127.0.0.1:$edge_port/healthz"

echo "[up] creating the demo account"
edge="http://127.0.0.1:$edge_port"
edge_admin="http://127.0.0.1:$edge_admin_port"
admin=(-fsS -H "Authorization: Bearer $admin_token" -H "Content-Type: application/json")
account_id=$(curl "${admin[@]}" -X POST "$edge_admin/admin/accounts" -d '{"email":"demo@relay.local"}' | sed -n 's/.*"accountId":"\([^"]*\)".*/\1/p')
curl "${admin[@]}" -X POST "$edge_admin/admin/accounts/$account_id/credits" \
  -d "{\"amountUsd\": 5.00, \"reason\": \"demo credit\", \"id\": \"demo-$account_id\"}" >/dev/null
key=$(curl "${admin[@]}" -X POST "$edge_admin/admin/accounts/$account_id/keys" -d '{"name":"demo"}' | sed -n 's/.*"key":"\([^"]*\)".*/\1/p')
echo "$key" >"$run/demo-key"

cat <<EOM

Relay is up, relaying to the built-in upstream simulator (no provider account needed).
  Edge        $edge  (pid $(cat "$run/edge.pid"), logs $run/edge.log)
  Silo        pid $(cat "$run/silo.pid"), health http://127.0.0.1:$silo_http/healthz, logs $run/silo.log
  Simulator   $sim  (pid $(cat "$run/simulator.pid"), what it served: $sim/_sim/served)
  PostgreSQL  $RELAY_POSTGRES
  Redis       $RELAY_REDIS
  Admin API   $edge_admin/admin (and metrics at $edge_admin/metrics; not on the public port)
  Admin token $admin_token   (also in $run/admin-token)

Demo account $account_id with \$5.00, API key:
  $key

A streamed call with curl:
  curl -N $edge/v1/messages -H "x-api-key: $key" -H "anthropic-version: 2023-06-01" \\
    -H "content-type: application/json" \\
    -d '{"model":"claude-sonnet-4-6","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"Hello"}]}'

What it cost:
  curl -s $edge_admin/admin/accounts/$account_id/usage -H "Authorization: Bearer $admin_token"

Claude Code:
  export ANTHROPIC_BASE_URL=$edge
  export ANTHROPIC_AUTH_TOKEN=$key
  claude                          # or: claude --model gpt-5.4 (any model: Relay translates)

Codex (~/.codex/config.toml; no model line needed: Codex's default model is served):
  model_provider = "relay"

  [model_providers.relay]
  name = "Relay"
  base_url = "$edge/v1"
  env_key = "RELAY_API_KEY"
  wire_api = "responses"

  then: export RELAY_API_KEY=$key; codex
  a Claude or GLM model: codex -c model=claude-sonnet-4-6 -c web_search=disabled

Stop it with: bash scripts/up.sh down
EOM
