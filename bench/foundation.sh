#!/usr/bin/env bash
# Issue 2 figures: demo-data at a million crimes (time, peak memory); search by reference and by surname
# (p50/p99, one connection); the crime page and /healthz under 64 connections (wrk); resident memory of
# `victimcare serve` idle and under that load. SQLite by default; DATABASE_URL=postgres://... for PostgreSQL.
#   bench/foundation.sh [CRIMES]        (default 1000000)
source "$(dirname "$0")/lib.sh"
CRIMES=${1:-1000000}
BIN=$(release_binary)
WORK=$(mktemp -d /tmp/victimcare-bench.XXXXXX)
export VICTIMCARE_SQLITE_PATH="$WORK/bench.sqlite" LOG_LEVEL=warning
export VICTIMCARE_ADMIN_PASSWORD="bench admin passphrase" VICTIMCARE_DEMO_PASSWORD="bench demo passphrase"
OUT="$RESULTS/foundation-$(date +%Y%m%d-%H%M%S).txt"
exec > >(tee "$OUT") 2>&1
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; database: ${DATABASE_URL:-sqlite}; crimes: $CRIMES"

"$BIN" migrate >/dev/null
say "demo-data --crimes $CRIMES"
measure "$WORK/demo.time" "$BIN" demo-data --crimes "$CRIMES" >/dev/null
cat "$WORK/demo.time"
[ -z "${DATABASE_URL:-}" ] && echo "sqlite_file_mib=$(( $(stat -c %s "$VICTIMCARE_SQLITE_PATH") / 1048576 ))"

PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
PORT=$PORT "$BIN" serve >"$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
wait_ready "$BASE"
sleep 2
echo "serve_rss_idle_kib=$(rss_kib $SERVER)"

TOKEN=$("$BIN" create-token --name bench --role administrator --quiet)
COOKIE=$(session_cookie "$BASE" demo.officer "$VICTIMCARE_DEMO_PASSWORD")

# Query sets drawn from the data: 2,000 real references, 500 surnames, 2,000 crimes of the South BCU.
python3 - "$WORK" <<'PY'
import os, sqlite3, sys, random, urllib.parse
work = sys.argv[1]
url = os.environ.get("DATABASE_URL")
if url:
    import subprocess
    q = lambda sql: [r.split("|") for r in subprocess.run(["psql", url, "-Atc", sql], capture_output=True, text=True, check=True).stdout.splitlines()]
else:
    db = sqlite3.connect(os.environ["VICTIMCARE_SQLITE_PATH"])
    q = lambda sql: db.execute(sql).fetchall()
random.seed(1)
refs = [r[0] for r in q("SELECT reference FROM crimes ORDER BY random() LIMIT 2000")]
names = sorted({r[0] for r in q("SELECT family_name FROM persons ORDER BY random() LIMIT 5000")})[:500]
sn = [r[0] for r in q("SELECT c.id FROM crimes c JOIN command_units u ON u.id = c.command_unit_id WHERE u.code = 'SN' ORDER BY random() LIMIT 2000")]
open(f"{work}/ref.paths", "w").write("".join(f"/api/v1/crimes?reference={urllib.parse.quote(r, safe='')}\n" for r in refs))
open(f"{work}/name.paths", "w").write("".join(f"/api/v1/crimes?name={urllib.parse.quote(n)}\n" for n in names))
open(f"{work}/crime.paths", "w").write("".join(f"/crimes/{c}\n" for c in sn))
open(f"{work}/health.paths", "w").write("/healthz\n")
PY

run_wrk() { # name connections seconds paths [env...]
    local name=$1 conns=$2 secs=$3 paths=$4; shift 4
    local threads=$(( conns < 2 ? 1 : 2 ))
    env PATHS="$paths" "$@" wrk -t"$threads" -c"$conns" -d"${secs}s" --latency -s "$ROOT/bench/paths.lua" "$BASE" > "$WORK/$name.wrk"
    local rps p50 p99 non2xx
    rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/$name.wrk")
    p50=$(awk '$1 == "50%" {print $2}' "$WORK/$name.wrk")
    p99=$(awk '$1 == "99%" {print $2}' "$WORK/$name.wrk")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$WORK/$name.wrk")
    echo "$name: connections=$conns rps=$rps p50=$p50 p99=$p99 non2xx=${non2xx:-0}"
}

say "search (one connection, 20 s each)"
run_wrk search_by_reference 1 20 "$WORK/ref.paths" TOKEN="$TOKEN"
run_wrk search_by_surname 1 20 "$WORK/name.paths" TOKEN="$TOKEN"

say "crime page and /healthz under 64 connections (30 s each)"
run_wrk crime_page 64 30 "$WORK/crime.paths" COOKIE="$COOKIE" &
WRK=$!
sleep 15
echo "serve_rss_under_load_kib=$(rss_kib $SERVER)"
wait $WRK
run_wrk healthz 64 30 "$WORK/health.paths"
echo "serve_rss_after_kib=$(rss_kib $SERVER)"
echo "results saved in $OUT"
