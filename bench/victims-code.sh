#!/usr/bin/env bash
# Issue 3 figures: the obligation engine alone (victims per second, one core); a full recompute of every
# victim in the database, on SQLite and on PostgreSQL; an officer's worklist p50.
#   bench/victims-code.sh [CRIMES]     (default 1000000; about 1.15 victims per crime)
source "$(dirname "$0")/lib.sh"
CRIMES=${1:-1000000}
OUT="$RESULTS/victims-code-$(date +%Y%m%d-%H%M%S).txt"
exec > >(tee "$OUT") 2>&1
echo "machine: $(nproc) cores; crimes: $CRIMES"

say "engine (domain only, one core)"
(cd "$ROOT" && swift build -c release --product victimcare-bench >&2)
"$(cd "$ROOT" && swift build -c release --show-bin-path)/victimcare-bench" engine 1000000

BIN=$(release_binary)
export LOG_LEVEL=warning VICTIMCARE_ADMIN_PASSWORD="bench admin passphrase" VICTIMCARE_DEMO_PASSWORD="bench demo passphrase"

recompute() { # label
    measure "$WORK/recompute.time" "$BIN" recompute > "$WORK/recompute.out" 2>&1
    echo "$1: $(tail -n 1 "$WORK/recompute.out") $(cat "$WORK/recompute.time")"
}

say "SQLite: load, then a full recompute"
WORK=$(mktemp -d /tmp/victimcare-bench.XXXXXX)
export VICTIMCARE_SQLITE_PATH="$WORK/bench.sqlite"
unset DATABASE_URL
"$BIN" migrate >/dev/null
measure "$WORK/demo.time" "$BIN" demo-data --crimes "$CRIMES" >/dev/null 2>&1
echo "sqlite demo-data (crimes, people, events, contacts, actions, obligations): $(cat "$WORK/demo.time")"
echo "victims=$(sqlite3 "$VICTIMCARE_SQLITE_PATH" 'select count(*) from victims') obligations=$(sqlite3 "$VICTIMCARE_SQLITE_PATH" 'select count(*) from obligations')"
recompute "sqlite full recompute"

say "SQLite: an officer's worklist (one connection, 20 s)"
OFFICER=$(sqlite3 "$VICTIMCARE_SQLITE_PATH" "
    SELECT u.username || ' ' || COUNT(DISTINCT o.victim_id) AS n FROM obligations o JOIN victims v ON v.id = o.victim_id
    JOIN crimes c ON c.id = v.crime_id JOIN users u ON u.id = c.officer_in_case_id
    WHERE o.state = 'open' GROUP BY u.username ORDER BY ABS(COUNT(DISTINCT o.victim_id) - 200) LIMIT 1")
echo "officer and open victims: $OFFICER"
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
PORT=$PORT "$BIN" serve >"$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null' EXIT
wait_ready "$BASE"
COOKIE=$(session_cookie "$BASE" "${OFFICER%% *}" "$VICTIMCARE_DEMO_PASSWORD")
echo "/worklist" > "$WORK/worklist.paths"
PATHS="$WORK/worklist.paths" COOKIE="$COOKIE" wrk -t1 -c1 -d20s --latency -s "$ROOT/bench/paths.lua" "$BASE" > "$WORK/worklist.wrk"
echo "worklist: rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/worklist.wrk") p50=$(awk '$1 == "50%" {print $2}' "$WORK/worklist.wrk") p99=$(awk '$1 == "99%" {print $2}' "$WORK/worklist.wrk") non2xx=$(awk '/Non-2xx/ {print $NF}' "$WORK/worklist.wrk")"
kill $SERVER; wait $SERVER 2>/dev/null || true
rm -rf "$WORK"

say "PostgreSQL: load, then a full recompute"
WORK=$(mktemp -d /tmp/victimcare-bench.XXXXXX)
eval "$("$ROOT/scripts/pg-start.sh")"
trap '"$ROOT/scripts/pg-stop.sh" "$PG_DIR"; rm -rf "$WORK"' EXIT
psql "$TEST_DATABASE_URL" -qc "CREATE DATABASE bench"
export DATABASE_URL="${TEST_DATABASE_URL/\/postgres?/\/bench?}"
"$BIN" migrate >/dev/null
measure "$WORK/demo.time" "$BIN" demo-data --crimes "$CRIMES" >/dev/null 2>&1
echo "postgres demo-data: $(cat "$WORK/demo.time")"
recompute "postgres full recompute"
echo "results saved in $OUT"
