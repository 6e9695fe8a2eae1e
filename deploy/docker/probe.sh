#!/bin/bash
# Health probe for the containers: exits 0 when GET http://127.0.0.1:PORT/PATH answers 200.
#   probe.sh [PATH (/healthz)] [PORT (8080)]
# The aspnet image has neither curl nor wget; bash's /dev/tcp is enough for one HTTP/1.0 request. The bearer
# key is for the simulator's /v1/models (any non-empty key); /healthz ignores it.
path="${1:-/healthz}"
port="${2:-8080}"
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\nAuthorization: Bearer probe\r\n\r\n' "$path" >&3
IFS= read -r -t 5 status <&3 || exit 1
case "$status" in
  "HTTP/1."?" 200"*) exit 0 ;;
  *) echo "probe: $path answered: $status" >&2; exit 1 ;;
esac
