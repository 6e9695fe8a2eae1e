#!/usr/bin/env bash
# Pays a deposit address in the quick start's test token on its local EVM node (anvil), from the funded test wallet
# that scripts/up.sh made. The silo's watcher credits the account once the transfer has its confirmations.
#
#   bash scripts/pay-stablecoin.sh ADDRESS AMOUNT      e.g. bash scripts/pay-stablecoin.sh 0x1f...c3 5.00
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
settings="$root/.relay/stablecoin.env"
if [ $# -ne 2 ]; then
  echo "usage: bash scripts/pay-stablecoin.sh ADDRESS AMOUNT   (the address from GET /api/topups/stablecoin/address)" >&2
  exit 2
fi
address=$1 amount=$2
[ -f "$settings" ] || { echo "[pay-stablecoin] no local chain: start the quick start first (bash scripts/up.sh)" >&2; exit 1; }
# shellcheck disable=SC1090
source "$settings"
# shellcheck source=scripts/evm-rpc.sh
source "$root/scripts/evm-rpc.sh"
export EVM_RPC_URL

[[ $address =~ ^0x[0-9a-fA-F]{40}$ ]] || { echo "[pay-stablecoin] $address is not an address (0x and 40 hex digits)" >&2; exit 2; }
units=$(evm_units "$amount" "$TOKEN_DECIMALS") && [ "$units" -gt 0 ] \
  || { echo "[pay-stablecoin] $amount is not a positive amount with at most $TOKEN_DECIMALS decimals" >&2; exit 2; }

sent=$(evm_transfer "$TOKEN" "$WALLET" "$address" "$units")
read -r hash block _ <<<"$sent"
echo "Sent $amount $TOKEN_SYMBOL to $address: tx $hash in block $block (chain $CHAIN_ID)."
echo "Credited once $CONFIRMATIONS blocks hold it (a block a second here); see GET /api/me or the account's ledger."
