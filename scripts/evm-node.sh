#!/usr/bin/env bash
# Installs anvil (Foundry's local EVM node, from npm) for the stablecoin tests, which start their own nodes on
# free loopback ports. Safe to run again: does nothing when the pinned version is already there.
# Prints the binary's path; the tests find it at the same place (or at $RELAY_ANVIL).
set -euo pipefail

version="1.7.1"
dir="${RELAY_STATE_DIR:-/var/tmp/relay}/evm"
bin="$dir/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"

if ! [ -x "$bin" ] || ! "$bin" --version 2>/dev/null | grep -q "Version: $version"; then
  printf '[evm-node] installing @foundry-rs/anvil@%s into %s\n' "$version" "$dir" >&2
  mkdir -p "$dir"
  # The platform package carries the binary; the wrapper's postinstall is not needed.
  npm install --prefix "$dir" --no-save --no-audit --no-fund --ignore-scripts \
    "@foundry-rs/anvil@$version" "@foundry-rs/anvil-linux-amd64@$version" >&2
  chmod +x "$bin"
fi
"$bin" --version >&2
echo "$bin"
