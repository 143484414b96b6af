#!/usr/bin/env bash
# Throwaway Neo4j (community) server for tests/CI, Bolt on loopback, auth off.
#   scripts/neo4j-server.sh start    # build if needed, start fresh; prints NEO4J_URL=... on stdout
#   scripts/neo4j-server.sh stop
#   scripts/neo4j-server.sh status   # prints NEO4J_URL=... and exits 0 if running, else exits 3
# Why this route: CI can only reach package registries, so there is no Neo4j tarball. Instead
# scripts/neo4j/ is a one-class embedded launcher on org.neo4j:neo4j + neo4j-bolt from Maven
# Central (5.26 LTS, the last line on Java 17). Maven only compiles it and writes the jar
# classpath (jars stay in ~/.m2, which is kept warm between runs); no fat jar.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$HERE/neo4j
PORT=${YZ_NEO4J_PORT:-57687}
if [[ $EUID -eq 0 ]]; then CACHE=${YZ_CACHE_DIR:-/var/cache/yingzhi}; else CACHE=${YZ_CACHE_DIR:-$HOME/.cache/yingzhi}; fi
DIR=${YZ_NEO4J_DIR:-$CACHE/neo4j}
BUILD=$DIR/build            # outside the work tree: target/ is not ignored by git
CP_FILE=$BUILD/classpath.txt
STAMP=$BUILD/.built
HOMEDIR=$DIR/home           # Neo4j home (data/, logs/); wiped on every start
PIDFILE=$DIR/neo4j.pid
LOGFILE=$DIR/neo4j.log
URL=bolt://127.0.0.1:$PORT
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
# Modest memory (2 cores, tests run in parallel): the page cache is 128 MiB, set in the launcher.
# The add-opens and netty/nio flags follow Neo4j's own default JVM options.
JAVA_OPTS=${YZ_NEO4J_JAVA_OPTS:--Xms128m -Xmx512m -XX:+ExitOnOutOfMemoryError -XX:-OmitStackTraceInFastThrow}
JAVA_OPTS+=" --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED"
JAVA_OPTS+=" --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED"
JAVA_OPTS+=" -Dio.netty.tryReflectionSetAccessible=true -Djdk.nio.maxCachedBufferSize=1024 -Dlog4j2.disable.jmx=true"
log() { echo "neo4j-server: $*" >&2; }   # stdout is reserved for NEO4J_URL

build() {
  # Cached: skip Maven while the stamp is newer than the sources and every jar is still in ~/.m2.
  if [[ -f $STAMP && -f $CP_FILE && $STAMP -nt $SRC/pom.xml && $STAMP -nt $SRC/src/main/java/yingzhi/Neo4jLauncher.java ]]; then
    local missing=0 jar
    while IFS= read -r -d: jar; do [[ -f $jar ]] || { missing=1; break; }; done < <(tr -d '\n' <"$CP_FILE"; echo -n :)
    [[ $missing == 0 ]] && return
  fi
  command -v "$JAVA" >/dev/null || { log "java not found (need JDK 17+)"; exit 1; }
  command -v mvn >/dev/null || { log "mvn not found (apt-get install maven)"; exit 1; }
  log "building launcher with Maven into $BUILD (first run downloads Neo4j jars into ~/.m2)"
  mkdir -p "$BUILD"; rm -f "$STAMP"
  # Debian's Maven 3.8 prints bare ESC[0m resets even with -q -B: strip them (pipefail keeps mvn's status).
  mvn -B -q -Dstyle.color=never -f "$SRC/pom.xml" -Dyz.buildDir="$BUILD" \
    compile dependency:build-classpath -Dmdep.outputFile="$CP_FILE" -Dmdep.includeScope=runtime 2>&1 \
    | sed -u 's/\x1b\[0m//g' >&2
  [[ -s $CP_FILE && -f $BUILD/classes/yingzhi/Neo4jLauncher.class ]] || { log "Maven build produced no launcher"; exit 1; }
  touch "$STAMP"
}

pid() { [[ -f $PIDFILE ]] && cat "$PIDFILE"; }
# Alive and really our launcher (guards against a stale pid file and pid reuse).
running() {
  local p; p=$(pid) || return 1
  [[ -n $p ]] && kill -0 "$p" 2>/dev/null && tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q 'yingzhi.Neo4jLauncher'
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

start() {
  if running; then log "already running (pid $(pid))"; echo "NEO4J_URL=$URL"; return; fi
  build
  if port_open; then log "port $PORT is taken by another process; set YZ_NEO4J_PORT"; exit 1; fi
  rm -rf "$HOMEDIR"; mkdir -p "$HOMEDIR"
  local t0=$SECONDS p
  # Detached (own session, no stdin, output to the log) so that $(...) callers don't hang on it.
  # shellcheck disable=SC2086
  setsid "$JAVA" $JAVA_OPTS -cp "$BUILD/classes:$(cat "$CP_FILE")" yingzhi.Neo4jLauncher "$HOMEDIR" "$PORT" \
    </dev/null >"$LOGFILE" 2>&1 &
  p=$!
  echo "$p" >"$PIDFILE"
  until grep -q '^NEO4J_READY' "$LOGFILE" 2>/dev/null && port_open; do
    if ! kill -0 "$p" 2>/dev/null; then
      log "Neo4j exited during startup; log tail ($LOGFILE):"; tail -n 30 "$LOGFILE" >&2; rm -f "$PIDFILE"; exit 1
    fi
    if (( SECONDS - t0 > 120 )); then
      log "Neo4j not accepting Bolt connections after 120 s; log tail ($LOGFILE):"; tail -n 30 "$LOGFILE" >&2
      stop; exit 1
    fi
    sleep 0.5
  done
  log "started Neo4j on 127.0.0.1:$PORT in $((SECONDS - t0)) s (pid $p), home $HOMEDIR, log $LOGFILE"
  echo "NEO4J_URL=$URL"
}

stop() {
  if ! running; then log "not running"; rm -f "$PIDFILE"; return; fi
  local p; p=$(pid)
  kill -TERM "$p"
  for _ in $(seq 1 120); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$p" 2>/dev/null; then log "still alive after 60 s; killing"; kill -KILL "$p"; sleep 0.5; fi
  rm -f "$PIDFILE"
  log "stopped"
}

status() {
  if running; then log "running (pid $(pid))"; echo "NEO4J_URL=$URL"; else log "not running"; exit 3; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
