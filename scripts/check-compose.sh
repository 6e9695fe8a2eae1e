#!/usr/bin/env bash
# Checks the operator's files without a Docker engine: docker-compose.yml must be valid as it stands and with
# .env.example, and every file it and the Dockerfiles name must exist (build files, bind mounts, COPY
# sources). Installs Debian's docker-compose when it is missing. Ends with one line "N passed, N failed".
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 1

if ! command -v docker-compose >/dev/null 2>&1; then
  echo "[check-compose] installing docker-compose" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends docker-compose >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends docker-compose >/dev/null; } \
    || { echo "[check-compose] could not install docker-compose"; echo "0 passed, 1 failed"; exit 1; }
fi

passed=0
failed=0
check() {
  local name="$1"; shift
  local out
  if out="$("$@" 2>&1)"; then
    passed=$((passed + 1)); echo "ok   $name"
  else
    failed=$((failed + 1)); echo "FAIL $name"; printf '%s\n' "$out" | sed 's/^/     /'
  fi
}

# The first reads a .env in this folder when there is one, as `docker-compose up` would.
check "docker-compose.yml is valid" \
  docker-compose -f docker-compose.yml config -q
check "docker-compose.yml is valid with .env.example" \
  docker-compose --env-file .env.example -f docker-compose.yml config -q

# shellcheck disable=SC2016
references='
import glob, os, shlex, sys, yaml

config = yaml.safe_load(sys.stdin)
missing = []
for name, service in config["services"].items():
    build = service.get("build")
    if build:
        context = build["context"]
        dockerfile = os.path.join(context, build.get("dockerfile", "Dockerfile"))
        if not os.path.isfile(dockerfile):
            missing.append(f"{name}: build file {dockerfile}")
            continue
        for line in open(dockerfile, encoding="utf-8"):
            words = shlex.split(line, comments=True)
            if not words or words[0].upper() not in ("COPY", "ADD"):
                continue
            args = [w for w in words[1:] if not w.startswith("--")]
            if any(w.startswith("--from=") for w in words[1:]):
                continue
            for source in args[:-1]:
                if not glob.glob(os.path.join(context, source)):
                    missing.append(f"{name}: {os.path.basename(dockerfile)} copies {source}, which is not in the build context")
    for volume in service.get("volumes", []):
        source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source", "")
        if source.startswith(("/", ".")) and not os.path.exists(source):
            missing.append(f"{name}: bind mount {source}")
for m in missing:
    print(m)
sys.exit(1 if missing else 0)
'
# shellcheck disable=SC2016
check "files named by the compose file and the Dockerfiles exist" \
  bash -c 'set -o pipefail; docker-compose -f docker-compose.yml config | python3 -c "$1"' _ "$references"

check "schema scripts are in place for the database's first start" \
  bash -c 'ls deploy/sql/*.sql >/dev/null'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
