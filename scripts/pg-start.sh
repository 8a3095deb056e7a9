#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server in a temporary directory on a free port.
# Prints shell lines to eval: PG_DIR, PG_PORT and TEST_DATABASE_URL. Stop it with scripts/pg-stop.sh.
source "$(dirname "$0")/lib.sh"
BIN=$(pg_bin)
DIR=$(mktemp -d /tmp/victimcare-pg.XXXXXX)
PORT=$(free_port)
RUN_AS=()
if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home "$DIR" postgres
    chown postgres "$DIR"
    RUN_AS=(runuser -u postgres --)
fi
"${RUN_AS[@]}" "$BIN/initdb" -D "$DIR/data" -U victimcare --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1
# Durability is not wanted for a test cluster that is thrown away; speed is. Benchmarks set PG_DURABLE=1 to
# measure a server configured as in production (fsync and synchronous commit on).
OPTS="-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=1200"
if [ "${PG_DURABLE:-0}" = 1 ]; then
    OPTS="$OPTS -c shared_buffers=2GB -c max_wal_size=8GB -c effective_cache_size=16GB"
else
    OPTS="$OPTS -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=256MB"
fi
"${RUN_AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -o "$OPTS" start >/dev/null
echo "PG_DIR=$DIR"
echo "PG_PORT=$PORT"
echo "TEST_DATABASE_URL=postgres://victimcare@127.0.0.1:$PORT/postgres?sslmode=disable"
