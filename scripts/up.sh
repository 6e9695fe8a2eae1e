#!/usr/bin/env bash
# Brings the whole system up on this machine: PostgreSQL, Redis, a silo, and (when built) the simulator
# and an edge with a demo account; prints how to call it. Stop everything with: scripts/up.sh down
# Top-ups work offline: Alipay through the simulator's Alipay stand-in, stablecoin on a local EVM node (anvil).
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
anvil_port="${RELAY_ANVIL_PORT:-8545}"

stop_all() {
  for pidfile in "$run"/*.pid; do
    [ -e "$pidfile" ] || continue
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
}

if [ "${1:-}" = "down" ]; then
  stop_all
  rm -f "$run/stablecoin.env"
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

# ---- Top-ups: the Alipay stand-in's keys -----------------------------------------------------------------------
# The simulator stands in for Alipay's page-pay gateway. Each side's RSA key pair (the merchant's, which signs the
# payment URL, and the stand-in's "Alipay platform" pair, which signs notifications) is made once per machine and
# kept in .relay/alipay-standin/. Given real Alipay settings (Relay__Payments__Alipay__AppId in the environment), the
# edge uses those and the stand-in stays off.
alipay_edge_env=() alipay_sim_env=()
if [ -z "${Relay__Payments__Alipay__AppId:-}" ]; then
  keys="$run/alipay-standin"
  if [ ! -s "$keys/platform-private.pem" ]; then
    command -v openssl >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq --no-install-recommends openssl >/dev/null; }
    echo "[up] making the Alipay stand-in's test keys in $keys"
    mkdir -p "$keys" && chmod 700 "$keys"
    for side in merchant platform; do
      openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$keys/$side-private.pem" 2>/dev/null
      openssl pkey -in "$keys/$side-private.pem" -pubout -out "$keys/$side-public.pem"
    done
    echo "Test keys of the simulator's local Alipay stand-in (scripts/up.sh). Never configure them with real Alipay." >"$keys/README"
  fi
  alipay_app="local-alipay-standin"
  alipay_sim_env=(Simulator__Alipay__AppId="$alipay_app"
    Simulator__Alipay__MerchantPublicKey="$(cat "$keys/merchant-public.pem")"
    Simulator__Alipay__PlatformPrivateKey="$(cat "$keys/platform-private.pem")")
  alipay_edge_env=(Relay__Payments__Alipay__AppId="$alipay_app"
    Relay__Payments__Alipay__GatewayUrl="http://127.0.0.1:$sim_port/alipay/gateway.do"
    Relay__Payments__Alipay__MerchantPrivateKey="$(cat "$keys/merchant-private.pem")"
    Relay__Payments__Alipay__AlipayPublicKey="$(cat "$keys/platform-public.pem")"
    Relay__Payments__Alipay__NotifyUrl="http://127.0.0.1:$edge_port/payments/alipay/notify"
    Relay__Payments__Alipay__SellerId=2088000000000001
    Relay__Payments__Alipay__UsdPerCny="${Relay__Payments__Alipay__UsdPerCny:-0.1380}")
fi

# ---- Top-ups: stablecoin on a local EVM node ------------------------------------------------------------------
# anvil (Foundry's EVM node, from npm via scripts/evm-node.sh) mines a block a second on a new chain at every start,
# with a test ERC-20 (6 decimals, like USDT) and a test wallet holding 1,000,000 of it. The silo's watcher credits a
# transfer to an account's deposit address after 3 confirmations. Given an RPC endpoint in the environment
# (Relay__Payments__Stablecoin__RpcUrl), the silo and the edge use those settings and no node is started.
stablecoin_env=()
if [ -z "${Relay__Payments__Stablecoin__RpcUrl:-}" ]; then
  if anvil_bin="$(bash scripts/evm-node.sh 2>"$run/evm-node.log")"; then
    # A chain id of its own per start: a fresh chain's transaction hashes repeat, and the ledger's entry ids hold them.
    chain_id=$((31337000 + RANDOM))
    echo "[up] starting anvil (chain $chain_id) on 127.0.0.1:$anvil_port"
    nohup "$anvil_bin" --host 127.0.0.1 --port "$anvil_port" --chain-id "$chain_id" --block-time 1 --accounts 2 \
      >"$run/anvil.log" 2>&1 &
    echo $! >"$run/anvil.pid"
    export EVM_RPC_URL="http://127.0.0.1:$anvil_port"
    # shellcheck source=scripts/evm-rpc.sh
    source scripts/evm-rpc.sh
    for _ in $(seq 1 60); do evm_rpc eth_chainId '[]' >/dev/null 2>&1 && break; sleep 0.5; done
    # anvil's dev accounts are unlocked; the first deploys the token, the second is the quick start's test wallet.
    deployer=$(sed -n 's/^(0) \(0x[0-9a-fA-F]\{40\}\) .*/\1/p' "$run/anvil.log")
    wallet=$(sed -n 's/^(1) \(0x[0-9a-fA-F]\{40\}\) .*/\1/p' "$run/anvil.log")
    wallet_key=$(sed -n 's/^(1) \(0x[0-9a-fA-F]\{64\}\)$/\1/p' "$run/anvil.log")
    deployed=$(evm_send "$deployer" "" "0x$(tr -d '[:space:]' <tests/Relay.Tests/Stablecoin/Token/TestToken.bin)$(evm_word 1000000000000000)")
    read -r _ _ token <<<"$deployed"
    evm_transfer "$token" "$deployer" "$wallet" 1000000000000 >/dev/null
    cat >"$run/stablecoin.env" <<EOS
EVM_RPC_URL=$EVM_RPC_URL
CHAIN_ID=$chain_id
TOKEN=$token
TOKEN_SYMBOL=tUSDT
TOKEN_DECIMALS=6
WALLET=$wallet
WALLET_KEY=$wallet_key
CONFIRMATIONS=3
EOS
    # Deposit addresses derive from BIP32 test vector 1's xpub, whose private key is public: local test use only.
    stablecoin_env=(Relay__Payments__Stablecoin__RpcUrl="$EVM_RPC_URL"
      Relay__Payments__Stablecoin__Xpub=xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8
      Relay__Payments__Stablecoin__Confirmations=3 Relay__Payments__Stablecoin__PollInterval=00:00:01
      Relay__Payments__Stablecoin__StartBlock=0
      Relay__Payments__Stablecoin__Tokens__0__Symbol=tUSDT Relay__Payments__Stablecoin__Tokens__0__Address="$token"
      Relay__Payments__Stablecoin__Tokens__0__Decimals=6)
  else
    echo "[up] anvil could not be installed (needs npm; see $run/evm-node.log): stablecoin top-ups stay off" >&2
  fi
fi

echo "[up] starting silo"
env "${stablecoin_env[@]}" ConnectionStrings__Postgres="$RELAY_POSTGRES" ConnectionStrings__Redis="$RELAY_REDIS" \
  ASPNETCORE_URLS="http://127.0.0.1:$silo_http" \
  nohup dotnet src/Relay.Silo/bin/Release/net10.0/Relay.Silo.dll >"$run/silo.log" 2>&1 &
echo $! >"$run/silo.pid"
wait_http "http://127.0.0.1:$silo_http/healthz"

echo "[up] starting the upstream simulator"
env "${alipay_sim_env[@]}" nohup bash -c 'cd src/Relay.Simulator/bin/Release/net10.0 && exec dotnet Relay.Simulator.dll --urls "$0"' "http://127.0.0.1:$sim_port" \
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
env "${stablecoin_env[@]}" "${alipay_edge_env[@]}" \
  ConnectionStrings__Redis="$RELAY_REDIS" ASPNETCORE_URLS="http://127.0.0.1:$edge_port;http://127.0.0.1:$edge_admin_port" \
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
EOM

# ---- Top-ups: how to pay both ways ---------------------------------------------------------------------------
# Top-ups belong to a signed-in person (the admin token is not taken on /api/topups), so the lines sign one up.
if [ ${#alipay_edge_env[@]} -gt 0 ] || [ ${#stablecoin_env[@]} -gt 0 ]; then
  cat <<EOM

Top up, as a person signed in (no real money either way):
  curl -s $edge/api/signup -H "Content-Type: application/json" -d '{"email":"payer@example.com","password":"correct horse battery"}'
  token=\$(curl -s $edge/api/signin -H "Content-Type: application/json" \\
    -d '{"email":"payer@example.com","password":"correct horse battery"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
  curl -s $edge/api/me -H "Authorization: Bearer \$token"    # the balance
EOM
fi
if [ ${#alipay_edge_env[@]} -gt 0 ]; then
  cat <<EOM
By Alipay, through the simulator's local Alipay stand-in (test keys in $run/alipay-standin):
  payUrl=\$(printf '%b' "\$(curl -s $edge/api/topups/alipay -H "Authorization: Bearer \$token" \\
    -H "Content-Type: application/json" -d '{"amountUsd":5.00}' | sed -n 's/.*"payUrl":"\([^"]*\)".*/\1/p')")
  echo "\$payUrl"    # open it in a browser and press Pay: the stand-in notifies the edge, then sends you back
  curl -si -X POST "\${payUrl/gateway.do/pay}" | grep -i '^location'    # or press Pay without a browser
  What the stand-in paid and notified: $sim/_sim/alipay/trades
EOM
fi
if [ ${#stablecoin_env[@]} -gt 0 ]; then
  # shellcheck disable=SC1091
  source "$run/stablecoin.env"
  cat <<EOM
By stablecoin, on a local EVM node (anvil $EVM_RPC_URL, chain $CHAIN_ID, pid $(cat "$run/anvil.pid"), a block a second):
  token $TOKEN_SYMBOL $TOKEN (6 decimals), credited after $CONFIRMATIONS confirmations
  test wallet $WALLET holds 1,000,000 $TOKEN_SYMBOL; its private key (anvil's dev key) $WALLET_KEY
  address=\$(curl -s $edge/api/topups/stablecoin/address -H "Authorization: Bearer \$token" | sed -n 's/.*"address":"\([^"]*\)".*/\1/p')
  bash scripts/pay-stablecoin.sh \$address 5.00
EOM
fi
cat <<EOM

Stop it with: bash scripts/up.sh down
EOM
