#!/usr/bin/env bash
# Installs the coding clients people point at Relay, from npm, for the client tests (tests/Relay.EdgeApi.Tests,
# ClientCliTests): Claude Code and Codex, pinned. Both ship a native binary in a platform package, so no install
# script is needed. Safe to run again: does nothing when the pinned versions are there.
# Prints the folder whose bin/ holds claude and codex; the tests find it there (or at $RELAY_CLIENTS).
set -euo pipefail

claude_version="2.1.197"
codex_version="0.171.0"
dir="${RELAY_STATE_DIR:-/var/tmp/relay}/clients"
bin="$dir/bin"

installed() {
  [ -x "$bin/claude" ] && [ -x "$bin/codex" ] \
    && "$bin/claude" --version 2>/dev/null | grep -q "^$claude_version" \
    && "$bin/codex" --version 2>/dev/null | grep -q "$codex_version"
}

if ! installed; then
  printf '[clients] installing @anthropic-ai/claude-code@%s and @openai/codex@%s into %s\n' "$claude_version" "$codex_version" "$dir" >&2
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-audit --no-fund --ignore-scripts \
    "@anthropic-ai/claude-code@$claude_version" "@anthropic-ai/claude-code-linux-x64@$claude_version" \
    "@openai/codex@$codex_version" >&2
  # Claude Code's postinstall would copy the platform binary into place; without install scripts, point at it.
  mkdir -p "$bin"
  ln -sf "$dir/node_modules/@anthropic-ai/claude-code-linux-x64/claude" "$bin/claude"
  ln -sf "$dir/node_modules/.bin/codex" "$bin/codex"
fi
"$bin/claude" --version >&2
"$bin/codex" --version >&2
echo "$dir"
