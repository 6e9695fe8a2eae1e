#!/bin/sh
# Starts the silo advertising this container's own address. The silo listens on that address only, and the
# other silos and the edges find it through the membership table in Redis, so it must be the address they
# reach it at: the one the container's hostname resolves to on the compose network. An Orleans__AdvertisedIp
# given from outside wins (for a host-network or multi-network setup).
set -eu

if [ -z "${Orleans__AdvertisedIp:-}" ]; then
  name="$(cat /etc/hostname)"
  Orleans__AdvertisedIp="$(getent ahostsv4 "$name" | head -n 1 | cut -d ' ' -f 1)"
  if [ -z "$Orleans__AdvertisedIp" ]; then
    echo "silo-entrypoint: '$name' does not resolve to an IPv4 address; set Orleans__AdvertisedIp" >&2
    exit 1
  fi
  case "$Orleans__AdvertisedIp" in
    127.*) echo "silo-entrypoint: '$name' resolves to loopback $Orleans__AdvertisedIp; other silos cannot reach it" >&2 ;;
  esac
  export Orleans__AdvertisedIp
fi

echo "silo-entrypoint: advertising $Orleans__AdvertisedIp (silo port ${Orleans__SiloPort:-11111}, gateway ${Orleans__GatewayPort:-30000})" >&2
exec dotnet /app/Relay.Silo.dll "$@"
