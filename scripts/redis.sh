#!/usr/bin/env bash
# `./run redis`: a Redis for developing `ttv serve` / `ttv worker` by hand, in the foreground on 127.0.0.1:6379
# (or REDIS_PORT), with its data in .tools/redis, AOF on and maxmemory-policy noeviction (what BullMQ needs).
# Installs Debian's redis-server first when it is missing. Tests never use it: each starts its own.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis: installing Debian's redis-server" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null 2>&1 ||
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null)
fi
mkdir -p .tools/redis
exec redis-server --port "${REDIS_PORT:-6379}" --bind 127.0.0.1 --dir "$PWD/.tools/redis" --appendonly yes --maxmemory-policy noeviction --save ''
