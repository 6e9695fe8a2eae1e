#!/usr/bin/env bash
# Installs Debian's Chromium and CJK fonts when missing: the console's browser tests drive /usr/bin/chromium with
# Playwright (which never downloads a browser here). Prints the browser's path. Safe to run again.
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  echo "[browser] installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo /usr/bin/chromium
