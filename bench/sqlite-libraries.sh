#!/usr/bin/env bash
# Issue 17: would GRDB, as the only SQLite library, beat SQLiteNIO on VictimCare's hot paths? The same work in two
# programs, one per library (never one SQLite file through two libraries in one process): a bulk insert of
# obligation-shaped rows in one transaction, reading them all back positionally, point reads by id, and small
# write transactions (5 inserts and an update each). Release builds, alternating, on fresh files.
#   bench/sqlite-libraries.sh [ROWS] [POINT_READS] [TRANSACTIONS] [ROUNDS]
source "$(dirname "$0")/lib.sh"
ROWS=${1:-200000} POINTS=${2:-20000} TXNS=${3:-2000} ROUNDS=${4:-2}
OUT="$RESULTS/sqlite-libraries-$(date +%Y%m%d-%H%M%S).txt"
exec > >(tee "$OUT") 2>&1
echo "machine: $(nproc) cores; rows: $ROWS; point reads: $POINTS; transactions: $TXNS; commit $(git -C "$ROOT" rev-parse --short HEAD)"
need_apt libsqlite3-dev >/dev/null
PKG="$ROOT/bench/sqlite-libraries"
swift build -c release --package-path "$PKG" 2>&1 | tail -1
BIN=$(swift build -c release --package-path "$PKG" --show-bin-path)
WORK=$(mktemp -d /tmp/victimcare-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
for round in $(seq 1 "$ROUNDS"); do
    for program in sqlitenio-hot-paths grdb-hot-paths; do
        echo "== round $round: $program"
        /usr/bin/time -f "elapsed_s=%e max_rss_kib=%M cpu_s=%U+%S" "$BIN/$program" "$WORK/$program.sqlite" "$ROWS" "$POINTS" "$TXNS"
    done
done
echo "results saved in $OUT"
