#!/usr/bin/env bash
# JSON-RPC helpers for a local EVM node (anvil), sourced by scripts/up.sh and scripts/pay-stablecoin.sh. They send
# transactions from anvil's unlocked dev accounts with eth_sendTransaction, as the stablecoin tests do (AnvilNode.cs),
# so nothing needs a signing tool. Needs EVM_RPC_URL set.

# evm_rpc METHOD PARAMS_JSON: prints the "result" (a quoted string, a JSON value, or null); fails on an RPC error.
evm_rpc() {
  local answer
  answer=$(curl -fsS -H 'content-type: application/json' \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$EVM_RPC_URL") || return 1
  if [[ $answer == *'"error"'* ]]; then
    echo "[evm] $1: $answer" >&2
    return 1
  fi
  sed -n 's/.*"result":\(.*\)}$/\1/p' <<<"$answer"
}

# evm_word NUMBER_OR_HEX_ADDRESS: the 32-byte ABI word, 64 hex digits without 0x.
evm_word() {
  if [[ $1 == 0x* ]]; then
    printf '%064s' "${1#0x}" | tr ' ' 0
  else
    printf '%064x' "$1"
  fi
}

# evm_send FROM TO_OR_EMPTY DATA: sends the transaction, waits until a block holds it, prints its hash and the
# receipt ("HASH BLOCK CONTRACT"); fails if it reverted.
evm_send() {
  local from=$1 to=$2 data=$3 tx hash receipt
  tx="{\"from\":\"$from\",\"data\":\"$data\"${to:+,\"to\":\"$to\"}}"
  hash=$(evm_rpc eth_sendTransaction "[$tx]" | tr -d '"') || return 1
  for _ in $(seq 1 150); do
    receipt=$(evm_rpc eth_getTransactionReceipt "[\"$hash\"]") || return 1
    if [ "$receipt" != "null" ]; then
      if [[ $receipt != *'"status":"0x1"'* ]]; then
        echo "[evm] transaction $hash reverted: $receipt" >&2
        return 1
      fi
      printf '%s %d %s\n' "$hash" \
        "$(sed -n 's/.*"blockNumber":"\(0x[0-9a-fA-F]*\)".*/\1/p' <<<"$receipt")" \
        "$(sed -n 's/.*"contractAddress":"\(0x[0-9a-fA-F]*\)".*/\1/p' <<<"$receipt")"
      return 0
    fi
    sleep 0.2
  done
  echo "[evm] transaction $hash was not mined within 30 s" >&2
  return 1
}

# evm_units AMOUNT DECIMALS: "5.25" with 6 decimals is 5250000; refuses more decimals than the token has.
evm_units() {
  local amount=$1 decimals=$2 whole frac=""
  [[ $amount =~ ^[0-9]+(\.[0-9]+)?$ ]] || return 1
  whole=${amount%%.*}
  [[ $amount == *.* ]] && frac=${amount#*.}
  [ ${#frac} -le "$decimals" ] || return 1
  frac=$(printf "%-${decimals}s" "$frac" | tr ' ' 0)
  echo $((10#$whole * 10 ** decimals + 10#${frac:-0}))
}

# evm_transfer TOKEN FROM TO UNITS: an ERC-20 transfer(to, units); prints "HASH BLOCK".
evm_transfer() {
  evm_send "$2" "$1" "0xa9059cbb$(evm_word "$3")$(evm_word "$4")"
}
