#!/usr/bin/env bash
# A Relay cluster on this machine without Docker: PostgreSQL and Redis (scripts/services.sh), the upstream
# simulator, N silos and M edges on loopback. Each is a `dotnet X.dll` process started in its own session,
# so the pid in the state file is the process itself and a signal reaches exactly it.
#
#   scripts/cluster.sh start [--silos N] [--edges M] [--no-build]   (defaults: 2 silos, 2 edges)
#   scripts/cluster.sh status
#   scripts/cluster.sh stop                          edges, simulator, then silos; PostgreSQL and Redis stay up
#   scripts/cluster.sh kill-silo I [--wait-dead]     SIGKILL silo I; --wait-dead also waits until the cluster
#                                                    declares it dead in Redis and prints how long that took
#   scripts/cluster.sh restart-silo I                stop silo I gracefully if it runs, start it on the same ports
#   scripts/cluster.sh kill-edge J | restart-edge J  the same for edge J
#
# State: .relay/cluster.env (bash, `source` it), logs: .relay/cluster/*.log.
# Ports from RELAY_CLUSTER_PORT_BASE (default 41000): simulator BASE; silo I: BASE+100+I (silo to silo),
# BASE+200+I (gateway), BASE+300+I (/healthz); edge J: BASE+400+J (public), BASE+500+J (internal: /admin and
# /metrics). Up to 99 silos and 99 edges.
# Other settings: RELAY_CLUSTER_ID (relay-cluster), RELAY_SERVICE_ID (relay), RELAY_ADMIN_TOKEN (random),
# RELAY_SESSION_SECRET (random),
# RELAY_CLUSTER_READY_SECONDS (120). RELAY_POSTGRES and RELAY_REDIS, when set, replace the shared services'
# addresses (scripts/services.sh still makes sure the shared ones run). Edges get channels to the simulator (one per
# provider, serving all its catalog models; put through the admin API so an older catalog in the database is
# corrected) unless Relay__Channels__0__Name is already set in the environment; RELAY_SIM_SETTINGS (e.g.
# `_event-delay-ms/100/_output-tokens/30`) is put in front of those channels' paths to pace the simulator.
# OTEL_EXPORTER_OTLP_ENDPOINT and other settings in the environment are passed to every process.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
run="$root/.relay"
logs="$run/cluster"
state="$run/cluster.env"

silo_dll="$root/src/Relay.Silo/bin/Release/net10.0/Relay.Silo.dll"
edge_dll="$root/src/Relay.EdgeApi/bin/Release/net10.0/Relay.EdgeApi.dll"
sim_dll="$root/src/Relay.Simulator/bin/Release/net10.0/Relay.Simulator.dll"

base="${RELAY_CLUSTER_PORT_BASE:-41000}"
ready_seconds="${RELAY_CLUSTER_READY_SECONDS:-120}"

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# ---- state -------------------------------------------------------------------------------------------

load_state() {
  [ -f "$state" ] || die "no cluster state at $state; run: scripts/cluster.sh start"
  # shellcheck disable=SC1090
  source "$state"
  # Restarts must use the ports the cluster started on, whatever RELAY_CLUSTER_PORT_BASE says now.
  base="${PORT_BASE:-$base}"
}

save_state() {
  local tmp="$state.tmp" i var
  {
    echo "# Written by scripts/cluster.sh at $(date -u +%FT%TZ). Source it: . $state"
    PORT_BASE="$base"
    for var in CLUSTER_ID SERVICE_ID POSTGRES REDIS ADMIN_TOKEN SESSION_SECRET PORT_BASE SIM_PORT SIM_PID SILOS EDGES; do
      printf '%s=%q\n' "$var" "${!var}"
    done
    for ((i = 1; i <= SILOS; i++)); do
      for var in PID SILO_PORT GATEWAY_PORT HTTP_PORT; do
        var="SILO_${i}_$var"; printf '%s=%q\n' "$var" "${!var:-}"
      done
    done
    local urls=() admin_urls=()
    for ((i = 1; i <= EDGES; i++)); do
      for var in PID HTTP_PORT ADMIN_PORT; do
        var="EDGE_${i}_$var"; printf '%s=%q\n' "$var" "${!var:-}"
      done
      var="EDGE_${i}_HTTP_PORT"; urls+=("http://127.0.0.1:${!var}")
      var="EDGE_${i}_ADMIN_PORT"; admin_urls+=("http://127.0.0.1:${!var}")
    done
    printf 'EDGE_URLS=%q\n' "${urls[*]:-}"
    printf 'EDGE_ADMIN_URLS=%q\n' "${admin_urls[*]:-}"
  } >"$tmp"
  mv "$tmp" "$state"
}

# ---- processes ---------------------------------------------------------------------------------------

# True when pid is alive and is the dotnet process running the given dll (guards against a reused pid).
is_ours() {
  local pid="$1" dll="$2"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$(basename "$dll")"
}

port_free() { ! ss -Hltn "sport = :$1" | grep -q .; }

require_ports_free() {
  local p
  for p in "$@"; do
    port_free "$p" || die "port $p is taken; set RELAY_CLUSTER_PORT_BASE to another base"
  done
}

# launch NAME DLL [ENV=VALUE ...] [-- ARGS ...]: starts `dotnet DLL ARGS` with the environment added, in its
# own session, stdin closed, output appended to the log; sets LAUNCHED_PID.
launch() {
  local name="$1" dll="$2"; shift 2
  # Idle thread-pool threads do not spin before sleeping: on a few shared cores the spinning only takes CPU
  # from the other processes (docs/benchmarks.md). The caller's environment may say otherwise.
  local vars=("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=${DOTNET_ThreadPool_UnfairSemaphoreSpinLimit:-0}") args=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do vars+=("$1"); shift; done
  [ "${1:-}" = "--" ] && shift
  args=("$@")
  mkdir -p "$logs"
  printf '\n==== %s start %s\n' "$name" "$(date -u +%FT%TZ)" >>"$logs/$name.log"
  # The working directory is the dll's: ASP.NET Core takes it as the content root and reads appsettings.json
  # there (the edge's model catalog lives in it). The subshell is not a process group leader, so setsid does
  # not fork: $! is the dotnet process itself.
  (cd "$(dirname "$dll")" && exec setsid env "${vars[@]}" dotnet "$dll" "${args[@]}") </dev/null >>"$logs/$name.log" 2>&1 &
  LAUNCHED_PID=$!
}

# wait_healthy NAME PID DLL URL [CURL_ARGS ...]
wait_healthy() {
  local name="$1" pid="$2" dll="$3" url="$4"; shift 4
  local deadline=$((SECONDS + ready_seconds))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$logs/$name.log" >&2 || true
      die "$name (pid $pid) exited before it was healthy; log: $logs/$name.log"
    fi
    if curl -fsS --max-time 2 -o /dev/null "$@" "$url" 2>/dev/null; then
      is_ours "$pid" "$dll" || die "$name: pid $pid is not $(basename "$dll")"
      return 0
    fi
    sleep 0.3
  done
  tail -n 30 "$logs/$name.log" >&2 || true
  die "$name (pid $pid) not healthy at $url within ${ready_seconds}s; log: $logs/$name.log"
}

# stop_pid NAME PID DLL SIGNAL: signals the process if it is ours and waits until it is gone
# (SIGTERM is given 40 s, the silo's graceful shutdown takes up to 30 s, then SIGKILL).
stop_pid() {
  local name="$1" pid="$2" dll="$3" signal="$4"
  is_ours "$pid" "$dll" || return 0
  kill "-$signal" "$pid" 2>/dev/null || return 0
  local deadline=$((SECONDS + 40))
  while [ -e "/proc/$pid" ] && ((SECONDS < deadline)); do sleep 0.1; done
  if [ -e "/proc/$pid" ]; then
    log "$name (pid $pid) ignored SIG$signal for 40s; SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while [ -e "/proc/$pid" ]; do sleep 0.1; done
  fi
}

# ---- build -------------------------------------------------------------------------------------------

# build_if_needed PROJECT DLL [REFERENCED_PROJECT ...]: builds src/PROJECT in Release when its dll is missing
# or a source of it, of the projects it references, of the props or of the schema is newer than the dll.
build_if_needed() {
  local project="$1" dll="$2"; shift 2
  local dirs=("$root/src/$project") p
  for p in "$@"; do dirs+=("$root/src/$p"); done
  if [ -f "$dll" ] && [ -z "$(find "${dirs[@]}" "$root"/Directory.*.props "$root/deploy/sql" -newer "$dll" \
      \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.json' -o -name '*.sql' \) \
      -not -path '*/bin/*' -not -path '*/obj/*' -print -quit)" ]; then
    return 0
  fi
  log "building $project (Release)"
  dotnet build "$root/src/$project/$project.csproj" -c Release --nologo -v quiet -clp:ErrorsOnly >&2
  # MSBuild leaves an unchanged dll untouched; mark it current so the next start does not build again.
  touch "$dll"
}

# ---- the pieces --------------------------------------------------------------------------------------

start_simulator() {
  SIM_PORT="$base"
  SIM_PID=""
  [ -f "$sim_dll" ] || { log "no simulator at $sim_dll; skipped"; return 0; }
  require_ports_free "$SIM_PORT"
  launch simulator "$sim_dll" "Logging__LogLevel__Microsoft.AspNetCore=Warning" -- --urls "http://127.0.0.1:$SIM_PORT"
  SIM_PID="$LAUNCHED_PID"
}

wait_simulator() {
  [ -n "$SIM_PID" ] || return 0
  # The simulator has no /healthz; its model list answers any non-empty key.
  wait_healthy simulator "$SIM_PID" "$sim_dll" "http://127.0.0.1:$SIM_PORT/v1/models" -H "Authorization: Bearer sim"
}

silo_ports() {
  local i="$1"
  printf -v "SILO_${i}_SILO_PORT" '%s' $((base + 100 + i))
  printf -v "SILO_${i}_GATEWAY_PORT" '%s' $((base + 200 + i))
  printf -v "SILO_${i}_HTTP_PORT" '%s' $((base + 300 + i))
}

start_silo() {
  local i="$1" silo_port gateway_port http_port
  silo_ports "$i"
  silo_port="SILO_${i}_SILO_PORT"; gateway_port="SILO_${i}_GATEWAY_PORT"; http_port="SILO_${i}_HTTP_PORT"
  require_ports_free "${!silo_port}" "${!gateway_port}" "${!http_port}"
  launch "silo-$i" "$silo_dll" \
    "ConnectionStrings__Postgres=$POSTGRES" \
    "ConnectionStrings__Redis=$REDIS" \
    "Orleans__ClusterId=$CLUSTER_ID" \
    "Orleans__ServiceId=$SERVICE_ID" \
    "Orleans__AdvertisedIp=127.0.0.1" \
    "Orleans__SiloPort=${!silo_port}" \
    "Orleans__GatewayPort=${!gateway_port}" \
    "ASPNETCORE_URLS=http://127.0.0.1:${!http_port}" \
    "Logging__LogLevel__Microsoft.AspNetCore=Warning" \
    "Logging__LogLevel__Orleans=${Logging__LogLevel__Orleans:-Warning}" \
    "Logging__LogLevel__Orleans.Runtime.MembershipService=Information"
  printf -v "SILO_${i}_PID" '%s' "$LAUNCHED_PID"
}

wait_silo() {
  local i="$1" pid="SILO_${1}_PID" http_port="SILO_${1}_HTTP_PORT"
  wait_healthy "silo-$i" "${!pid}" "$silo_dll" "http://127.0.0.1:${!http_port}/healthz"
}

# Channels to the simulator, one per provider and without a model list, so each serves every catalog model of its
# provider. They seed the cluster's catalog when it is empty; point_channels_at_simulator keeps them right after that.
simulator_channels() {
  [ -n "$SIM_PORT" ] && [ -n "${SIM_PID:-}" ] || return 0
  [ -z "${Relay__Channels__0__Name:-}" ] || return 0
  local n=0 provider
  for provider in anthropic openai glm; do
    printf '%s\n' "Relay__Channels__${n}__Name=sim-$provider" "Relay__Channels__${n}__Provider=$provider" \
      "Relay__Channels__${n}__BaseUrl=$(simulator_url)" "Relay__Channels__${n}__ApiKey=sim-$provider"
    n=$((n + 1))
  done
}

simulator_url() {
  local url="http://127.0.0.1:$SIM_PORT" settings="${RELAY_SIM_SETTINGS:-}"
  settings="${settings#/}"; settings="${settings%/}"
  [ -z "$settings" ] || url="$url/$settings"
  printf '%s' "$url"
}

# The catalog lives in the cluster (PostgreSQL), so an earlier cluster on other ports may have seeded it with another
# simulator's address: through the admin API (internal port) of the first edge, make the simulator channels point at this one.
point_channels_at_simulator() {
  [ -n "$SIM_PORT" ] && [ -n "${SIM_PID:-}" ] && ((EDGES > 0)) || return 0
  [ -z "${Relay__Channels__0__Name:-}" ] || return 0
  local edge="http://127.0.0.1:$EDGE_1_ADMIN_PORT" provider status
  for provider in anthropic openai glm; do
    status=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT "$edge/admin/channels/sim-$provider" \
      -H "Authorization: Bearer $ADMIN_TOKEN" -H "x-relay-operator: cluster.sh" -H "Content-Type: application/json" \
      -d "{\"provider\":\"$provider\",\"baseUrl\":\"$(simulator_url)\"}")
    if [ "$status" = 404 ]; then
      status=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$edge/admin/channels" \
        -H "Authorization: Bearer $ADMIN_TOKEN" -H "x-relay-operator: cluster.sh" -H "Content-Type: application/json" \
        -d "{\"name\":\"sim-$provider\",\"provider\":\"$provider\",\"baseUrl\":\"$(simulator_url)\",\"apiKey\":\"sim-$provider\"}")
    fi
    case "$status" in 200|201) ;; *) die "could not point channel sim-$provider at the simulator (HTTP $status)" ;; esac
  done
}

edge_ports() {
  printf -v "EDGE_${1}_HTTP_PORT" '%s' $((base + 400 + $1))
  printf -v "EDGE_${1}_ADMIN_PORT" '%s' $((base + 500 + $1))
}

start_edge() {
  local j="$1" http_port admin_port channels=()
  edge_ports "$j"
  http_port="EDGE_${j}_HTTP_PORT"; admin_port="EDGE_${j}_ADMIN_PORT"
  require_ports_free "${!http_port}" "${!admin_port}"
  mapfile -t channels < <(simulator_channels)
  launch "edge-$j" "$edge_dll" \
    "ConnectionStrings__Redis=$REDIS" \
    "Orleans__ClusterId=$CLUSTER_ID" \
    "Orleans__ServiceId=$SERVICE_ID" \
    "ASPNETCORE_URLS=http://127.0.0.1:${!http_port};http://127.0.0.1:${!admin_port}" \
    "Relay__InternalPort=${!admin_port}" \
    "Relay__AdminToken=$ADMIN_TOKEN" \
    "Relay__Users__SessionSecret=$SESSION_SECRET" \
    "Logging__LogLevel__Microsoft.AspNetCore=Warning" \
    "Logging__LogLevel__Orleans=${Logging__LogLevel__Orleans:-Warning}" \
    "${channels[@]}"
  printf -v "EDGE_${j}_PID" '%s' "$LAUNCHED_PID"
}

wait_edge() {
  local j="$1" pid="EDGE_${1}_PID" http_port="EDGE_${1}_HTTP_PORT"
  wait_healthy "edge-$j" "${!pid}" "$edge_dll" "http://127.0.0.1:${!http_port}/healthz"
}

print_cluster() {
  local i pid a b c
  echo "Relay cluster '$CLUSTER_ID' (service '$SERVICE_ID'); state $state, logs $logs/"
  echo "  postgres    $POSTGRES"
  echo "  redis       $REDIS"
  if [ -n "${SIM_PID:-}" ]; then
    echo "  simulator   pid $(alive "$SIM_PID" "$sim_dll")  http://127.0.0.1:$SIM_PORT"
  else
    echo "  simulator   not running"
  fi
  for ((i = 1; i <= SILOS; i++)); do
    pid="SILO_${i}_PID"; a="SILO_${i}_SILO_PORT"; b="SILO_${i}_GATEWAY_PORT"; c="SILO_${i}_HTTP_PORT"
    echo "  silo $i      pid $(alive "${!pid:-}" "$silo_dll")  silo port ${!a}  gateway ${!b}  health http://127.0.0.1:${!c}/healthz"
  done
  for ((i = 1; i <= EDGES; i++)); do
    pid="EDGE_${i}_PID"; a="EDGE_${i}_HTTP_PORT"; b="EDGE_${i}_ADMIN_PORT"
    echo "  edge $i      pid $(alive "${!pid:-}" "$edge_dll")  http://127.0.0.1:${!a}  admin and metrics http://127.0.0.1:${!b:-?}"
  done
  ((EDGES == 0)) || echo "  admin token $ADMIN_TOKEN"
}

# True when any process named in the loaded state still runs.
any_running() {
  local i pid
  is_ours "${SIM_PID:-}" "$sim_dll" && return 0
  for ((i = 1; i <= ${SILOS:-0}; i++)); do pid="SILO_${i}_PID"; is_ours "${!pid:-}" "$silo_dll" && return 0; done
  for ((i = 1; i <= ${EDGES:-0}; i++)); do pid="EDGE_${i}_PID"; is_ours "${!pid:-}" "$edge_dll" && return 0; done
  return 1
}

alive() {
  if is_ours "$1" "$2"; then echo "$1"; else echo "${1:-none} (not running)"; fi
}

index_in_range() {
  local what="$1" value="$2" max="$3"
  if ! [[ "$value" =~ ^[0-9]+$ ]] || ((value < 1 || value > max)); then
    die "$what must be 1..$max, not '$value'"
  fi
}

# Seconds (with milliseconds) until Redis shows the silo at 127.0.0.1:PORT, generation GEN, as Dead (6).
wait_declared_dead() {
  local port="$1" generation="$2" started="$3" host="${REDIS%%:*}" rport="${REDIS##*:}"
  local key="$SERVICE_ID/members/$CLUSTER_ID" field="S127.0.0.1:$port:$generation"
  local deadline=$((SECONDS + 120))
  while ((SECONDS < deadline)); do
    if redis-cli -h "$host" -p "$rport" hget "$key" "$field" | grep -q '"Status":6'; then
      local now; now=$(date +%s%N)
      log "declared dead $(( (now - started) / 1000000 )) ms after SIGKILL"
      return 0
    fi
    sleep 0.1
  done
  die "silo at port $port was not declared dead within 120 s"
}

# The generation of the live membership entry at 127.0.0.1:PORT, from Redis.
live_generation() {
  local port="$1" host="${REDIS%%:*}" rport="${REDIS##*:}"
  redis-cli -h "$host" -p "$rport" hgetall "$SERVICE_ID/members/$CLUSTER_ID" \
    | grep -o "\"SiloAddress\":\"127.0.0.1:$port@[0-9]*\"},\"Status\":3" \
    | sed 's/.*@\([0-9]*\)".*/\1/' | tail -n 1 || true
}

# ---- commands ----------------------------------------------------------------------------------------

cmd_start() {
  local silos=2 edges=2 build=1
  while [ $# -gt 0 ]; do
    case "$1" in
      --silos) silos="${2:?--silos needs a number}"; shift 2 ;;
      --edges) edges="${2:?--edges needs a number}"; shift 2 ;;
      --no-build) build=0; shift ;;
      *) die "unknown option $1" ;;
    esac
  done
  if ! [[ "$silos" =~ ^[0-9]+$ ]] || ((silos < 1 || silos > 99)); then die "--silos must be 1..99"; fi
  if ! [[ "$edges" =~ ^[0-9]+$ ]] || ((edges > 99)); then die "--edges must be 0..99"; fi

  if [ -f "$state" ] && (load_state && any_running); then
    die "a cluster from $state is still running; run: scripts/cluster.sh stop"
  fi

  if ((build)); then
    build_if_needed Relay.Silo "$silo_dll" Relay.Grains Relay.Grains.Abstractions
    if ((edges > 0)) && [ -f "$root/src/Relay.EdgeApi/Relay.EdgeApi.csproj" ]; then
      build_if_needed Relay.EdgeApi "$edge_dll" Relay.Grains.Abstractions Relay.Users Relay.Hosting
    fi
    if [ -f "$root/src/Relay.Simulator/Relay.Simulator.csproj" ]; then
      build_if_needed Relay.Simulator "$sim_dll"
    fi
  fi
  [ -f "$silo_dll" ] || die "no silo at $silo_dll (build it, or drop --no-build)"
  ((edges == 0)) || [ -f "$edge_dll" ] || die "no edge at $edge_dll (build it, or start with --edges 0)"

  local own_postgres="${RELAY_POSTGRES:-}" own_redis="${RELAY_REDIS:-}"
  bash "$root/scripts/services.sh" up
  eval "$(bash "$root/scripts/services.sh" env)"
  RELAY_POSTGRES="${own_postgres:-$RELAY_POSTGRES}"
  RELAY_REDIS="${own_redis:-$RELAY_REDIS}"
  mkdir -p "$run" "$logs"

  CLUSTER_ID="${RELAY_CLUSTER_ID:-relay-cluster}"
  SERVICE_ID="${RELAY_SERVICE_ID:-relay}"
  POSTGRES="$RELAY_POSTGRES"
  REDIS="$RELAY_REDIS"
  ADMIN_TOKEN="${RELAY_ADMIN_TOKEN:-$(openssl rand -hex 16)}"
  SESSION_SECRET="${RELAY_SESSION_SECRET:-$(openssl rand -hex 32)}"
  SILOS="$silos"
  EDGES="$edges"
  local i
  for ((i = 1; i <= SILOS; i++)); do silo_ports "$i"; done
  for ((i = 1; i <= EDGES; i++)); do edge_ports "$i"; done

  # Whatever fails from here on, nothing is left running.
  trap 'log "start failed; stopping what was started"; cmd_stop_loaded' EXIT

  start_simulator
  for ((i = 1; i <= SILOS; i++)); do start_silo "$i"; done
  save_state
  wait_simulator
  for ((i = 1; i <= SILOS; i++)); do wait_silo "$i"; done
  for ((i = 1; i <= EDGES; i++)); do start_edge "$i"; done
  save_state
  for ((i = 1; i <= EDGES; i++)); do wait_edge "$i"; done
  point_channels_at_simulator
  trap - EXIT

  print_cluster
}

cmd_stop_loaded() {
  trap - EXIT
  local i pid pids=()
  for ((i = 1; i <= ${EDGES:-0}; i++)); do pid="EDGE_${i}_PID"; stop_pid "edge-$i" "${!pid:-}" "$edge_dll" TERM & pids+=($!); done
  stop_pid simulator "${SIM_PID:-}" "$sim_dll" TERM & pids+=($!)
  wait "${pids[@]}" || true
  pids=()
  # Silos stop together: each leaves the membership table gracefully and hands its grains over.
  for ((i = 1; i <= ${SILOS:-0}; i++)); do pid="SILO_${i}_PID"; stop_pid "silo-$i" "${!pid:-}" "$silo_dll" TERM & pids+=($!); done
  wait "${pids[@]}" || true
  rm -f "$state"
  log "stopped (PostgreSQL and Redis left running)"
}

cmd_stop() {
  [ -f "$state" ] || { log "nothing to stop: no $state"; return 0; }
  load_state
  cmd_stop_loaded
}

cmd_status() {
  load_state
  print_cluster
}

cmd_kill_silo() {
  load_state
  local i="${1:-}" wait_dead=0
  [ "${2:-}" = "--wait-dead" ] && wait_dead=1
  index_in_range silo "$i" "$SILOS"
  local pid="SILO_${i}_PID" port="SILO_${i}_SILO_PORT" generation=""
  is_ours "${!pid:-}" "$silo_dll" || die "silo $i is not running"
  ((wait_dead)) && generation="$(live_generation "${!port}")"
  local killed_at; killed_at=$(date +%s%N)
  stop_pid "silo-$i" "${!pid}" "$silo_dll" KILL
  log "silo $i (pid ${!pid}) killed with SIGKILL"
  printf -v "SILO_${i}_PID" '%s' ""
  save_state
  if ((wait_dead)); then
    [ -n "$generation" ] || die "silo $i had no active membership entry in Redis"
    wait_declared_dead "${!port}" "$generation" "$killed_at"
  fi
}

cmd_restart_silo() {
  load_state
  local i="${1:-}"
  index_in_range silo "$i" "$SILOS"
  local pid="SILO_${i}_PID"
  stop_pid "silo-$i" "${!pid:-}" "$silo_dll" TERM
  start_silo "$i"
  save_state
  wait_silo "$i"
  log "silo $i restarted, pid ${!pid}"
}

cmd_kill_edge() {
  load_state
  local j="${1:-}"
  index_in_range edge "$j" "$EDGES"
  local pid="EDGE_${j}_PID"
  is_ours "${!pid:-}" "$edge_dll" || die "edge $j is not running"
  stop_pid "edge-$j" "${!pid}" "$edge_dll" KILL
  log "edge $j (pid ${!pid}) killed with SIGKILL"
  printf -v "EDGE_${j}_PID" '%s' ""
  save_state
}

cmd_restart_edge() {
  load_state
  local j="${1:-}"
  index_in_range edge "$j" "$EDGES"
  local pid="EDGE_${j}_PID"
  stop_pid "edge-$j" "${!pid:-}" "$edge_dll" TERM
  start_edge "$j"
  save_state
  wait_edge "$j"
  log "edge $j restarted, pid ${!pid}"
}

command="${1:-}"
[ $# -gt 0 ] && shift
case "$command" in
  start) cmd_start "$@" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  kill-silo) cmd_kill_silo "$@" ;;
  restart-silo) cmd_restart_silo "$@" ;;
  kill-edge) cmd_kill_edge "$@" ;;
  restart-edge) cmd_restart_edge "$@" ;;
  *) sed -n '2,20s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac
