#!/usr/bin/env bash
# Issue 17's `demo-data` figure, on SQLite and PostgreSQL in the same run: `demo-data --crimes CRIMES` into a fresh
# database (time, peak memory, the generate-and-write phase apart from the index builds and statistics), a full
# recompute straight after it (which must find nothing to change: the obligations were planned as the crimes were
# generated), and beside it the physical limit (bench/demo_limit.py: the database's own bulk load of the same rows).
#   bench/demo-data.sh [CRIMES]      (default 200000)
source "$(dirname "$0")/lib.sh"
CRIMES=${1:-200000}
bench_begin demo-data "crimes: $CRIMES; "

demo_once() { # label
    "$BIN" migrate >/dev/null
    measure "$WORK/demo.time" "$BIN" demo-data --crimes "$CRIMES" --as-of 2026-11-01 \
        ${DATABASE_URL:+--i-understand-this-is-not-live} > "$WORK/demo.out" 2>&1
    echo "$1 demo-data --crimes $CRIMES: $(cat "$WORK/demo.time") | $(tr '\r' '\n' < "$WORK/demo.out" | grep -E '^Crimes .*100%' | tail -n1 | sed 's/.* //;s/^/crimes and obligations written in /') | $(grep -E '^Loaded' "$WORK/demo.out")"
    echo "$1 rows: crimes=$(sql 'select count(*) from crimes') persons=$(sql 'select count(*) from persons') victims=$(sql 'select count(*) from victims') obligations=$(sql 'select count(*) from obligations') not_computed=$(sql 'select count(*) from victims where computed_version <> facts_version')"
    measure "$WORK/recompute.time" "$BIN" recompute > "$WORK/recompute.out" 2>/dev/null
    echo "$1 recompute straight after: $(tr '\r' '\n' < "$WORK/recompute.out" | grep -E '^Recomputed' | tail -n1) $(cat "$WORK/recompute.time")"
}

use_sqlite
demo_once sqlite
python3 "$ROOT/bench/demo_limit.py" sqlite "$VICTIMCARE_SQLITE_PATH" "$WORK"
rm -f "$WORK"/*.sqlite*
use_postgres
demo_once postgres
psql "$TEST_DATABASE_URL" -qc "CREATE DATABASE limit_copy"
python3 "$ROOT/bench/demo_limit.py" postgres "$DATABASE_URL" "${TEST_DATABASE_URL/\/postgres?/\/limit_copy?}" "$WORK"
echo "results saved in $OUT"
