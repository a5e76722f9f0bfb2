#!/usr/bin/env bash
# Starts (or stops) the real services the backend suites run against, all bound to 127.0.0.1:
# PostgreSQL, Redis and an S3-compatible server (s3rver). Used by .ci/run and for local runs.
#
#   source <(scripts/test-services.sh start)   # prints the export lines for the test URLs
#   scripts/test-services.sh stop               # stops what `start` started, by pid
#
# State (data directories, pid files, logs) lives under $STRATA_SERVICES_DIR (default /tmp/strata-services).
set -euo pipefail

dir=${STRATA_SERVICES_DIR:-/tmp/strata-services}
pg_port=${STRATA_PG_PORT:-54329}
redis_port=${STRATA_REDIS_PORT:-56379}
s3_port=${STRATA_S3_PORT:-45679}
repo=$(cd "$(dirname "$0")/.." && pwd)

pg_bin() {
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n $bindir ]] || { echo "postgresql server binaries not found under /usr/lib/postgresql" >&2; exit 1; }
  echo "$bindir"
}

as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

wait_for() { # command... ; retries for ~30 s
  for _ in $(seq 1 150); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "timed out waiting for: $*" >&2
  return 1
}

start() {
  mkdir -p "$dir"
  local bin; bin=$(pg_bin)
  # PostgreSQL: a throwaway cluster, trust auth on loopback only.
  if [[ ! -f $dir/pg/PG_VERSION ]]; then
    mkdir -p "$dir/pg"
    [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$dir" "$dir/pg"
    as_postgres "$bin/initdb" -D "$dir/pg" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1
  fi
  as_postgres "$bin/pg_ctl" -D "$dir/pg" -l "$dir/postgres.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $dir -c fsync=off" start >/dev/null
  as_postgres head -1 "$dir/pg/postmaster.pid" >"$dir/postgres.pid"
  wait_for "$bin/pg_isready" -h 127.0.0.1 -p "$pg_port"
  "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -tAc "select 1 from pg_database where datname='strata_test'" | grep -q 1 ||
    "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -qc "create database strata_test" >/dev/null

  # Redis: no persistence, loopback only, noeviction (BullMQ needs it).
  redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
    --maxmemory-policy noeviction --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
  wait_for redis-cli -p "$redis_port" ping

  # S3-compatible server.
  node "$repo/scripts/s3rver.mjs" "$s3_port" "$dir/s3" strata-test >"$dir/s3rver.log" 2>&1 &
  echo $! >"$dir/s3rver.pid"
  wait_for bash -c "exec 3<>/dev/tcp/127.0.0.1/$s3_port"

  cat <<ENV
export STRATA_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$pg_port/strata_test
export STRATA_TEST_REDIS_URL=redis://127.0.0.1:$redis_port/0
export STRATA_TEST_S3_URL='s3://strata-test/tests?endpoint=http://127.0.0.1:$s3_port&region=us-east-1&forcePathStyle=true'
export AWS_ACCESS_KEY_ID=S3RVER
export AWS_SECRET_ACCESS_KEY=S3RVER
ENV
}

stop() {
  local bin; bin=$(pg_bin)
  if [[ -f $dir/pg/postmaster.pid ]]; then as_postgres "$bin/pg_ctl" -D "$dir/pg" -m fast stop >/dev/null || true; fi
  for name in redis s3rver; do
    if [[ -f $dir/$name.pid ]]; then kill "$(cat "$dir/$name.pid")" 2>/dev/null || true; rm -f "$dir/$name.pid"; fi
  done
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
