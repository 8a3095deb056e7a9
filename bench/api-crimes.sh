#!/usr/bin/env bash
# Issue 17: crimes recorded through the API, 8 connections (wrk, so the client is not the limit), SQLite and
# PostgreSQL in the same run, each on a freshly migrated database; the server's CPU time per crime; and the
# Python client of the earlier figures (bench/make_crimes.py, 8 threads) for comparison; /healthz on the same server
# and connections as the limit beside it.
#   bench/api-crimes.sh [SECONDS] [PYTHON_CRIMES]      (BENCH_BIN=path uses a build made earlier)
source "$(dirname "$0")/lib.sh"
SECS=${1:-20} PY=${2:-1000}
OUT="$RESULTS/api-crimes-$(date +%Y%m%d-%H%M%S).txt"
exec > >(tee "$OUT") 2>&1
BIN=$(build_release victimcare)
echo "machine: $(nproc) cores; commit $(git -C "$ROOT" rev-parse --short HEAD); wrk 8 connections for ${SECS}s; python client $PY crimes"
WORK=$(mktemp -d /tmp/victimcare-bench.XXXXXX)
trap cleanup EXIT
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }

for db in sqlite postgres; do
    if [ $db = sqlite ]; then use_sqlite; else use_postgres; fi
    "$BIN" migrate >/dev/null
    token=$("$BIN" create-token --name "bench-$RANDOM" --role administrator --quiet)
    MESSAGE_PROVIDER=smtp SMTP_PORT=1 OUTBOX_POLL_SECONDS=86400 start_server
    # Warm up (connections opened, statements and reference data cached).
    env TOKEN="$token" PREFIX=9 wrk -t1 -c1 -d2s -s "$ROOT/bench/api_crimes.lua" "$BASE" >/dev/null
    before=$(sql "SELECT COUNT(*) FROM crimes")
    cpu0=$(cpu_of "$SERVER")
    env TOKEN="$token" PREFIX=1 wrk -t2 -c8 -d"${SECS}s" --latency -s "$ROOT/bench/api_crimes.lua" "$BASE" >"$WORK/wrk.txt"
    cpu1=$(cpu_of "$SERVER")
    made=$(( $(sql "SELECT COUNT(*) FROM crimes") - before ))
    echo "$db wrk: crimes=$made per_second=$(python3 -c "print(round($made / $SECS, 1))") rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt") p50=$(awk '$1 == "50%" {print $2}' "$WORK/wrk.txt") p99=$(awk '$1 == "99%" {print $2}' "$WORK/wrk.txt") non2xx=$(awk '/Non-2xx/ {print $NF}' "$WORK/wrk.txt") server_cpu_ms_per_crime=$(python3 -c "print(round(($cpu1 - $cpu0) * 1000 / max($made, 1), 2))")"
    echo "$db victims=$(sql "SELECT COUNT(*) FROM victims") obligations=$(sql "SELECT COUNT(*) FROM obligations") messages=$(sql "SELECT COUNT(*) FROM messages") audit=$(sql "SELECT COUNT(*) FROM audit_entries")"
    start=$(date +%s.%N)
    made=$(python3 "$ROOT/bench/make_crimes.py" "$BASE" "$token" "$PY")
    end=$(date +%s.%N)
    echo "$db python client, 8 threads: $made per_second=$(python3 -c "print(round($PY / ($end - $start), 1))")"
    # The limit beside it: the same server answering /healthz (no database) to the same 8 connections.
    echo /healthz > "$WORK/health.paths"
    run_wrk "$db" healthz_8_connections 8 10 "$WORK/health.paths"
    stop_server
done
