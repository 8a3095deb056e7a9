#!/usr/bin/env bash
# The referral catch-up alone (R7 met for every victim of a delivered batch), before and after, on SQLite and
# PostgreSQL: demo-data at CRIMES, every victim waiting, one export with --defer-recompute, kept as a prepared
# database; then each run works out every member again on a fresh copy, builds alternated.
#   bench/catch-up.sh [CRIMES] [RUNS] [BEFORE_BIN]     (defaults 100000 and 2; no BEFORE_BIN: this build only)
#   ONLY=sqlite or ONLY=postgres                       one database
#   BENCH_BIN=path                                     the "after" binary, built earlier
# The prepared database is made by the "after" binary (its migrations); the "before" one reads it as it is.
source "$(dirname "$0")/lib.sh"
CRIMES=${1:-100000}
RUNS=${2:-2}
BEFORE=${3:-}
bench_begin catch-up "crimes: $CRIMES; "
export REFERRAL_EXPORT_HOURS=0

prepare() {
    "$BIN" migrate >/dev/null 2>&1
    "$BIN" demo-data --crimes "$CRIMES" ${DATABASE_URL:+--i-understand-this-is-not-live} >/dev/null 2>&1
    every_victim_waiting
    sql "UPDATE referrals SET status = 'ready', batch_id = NULL, sent_at = NULL, status_at = NULL" >/dev/null
    "$BIN" referrals export --dir "$WORK/prepared" --defer-recompute >/dev/null 2>&1
    echo "$1 prepared: victims=$(sql 'SELECT COUNT(*) FROM victims') obligations=$(sql 'SELECT COUNT(*) FROM obligations')"
}

catch_up() { # label binary
    local label=$1 bin=$2
    if [ -n "${DATABASE_URL:-}" ]; then
        psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS run" -c "CREATE DATABASE run TEMPLATE bench"
        DATABASE_URL=$RUN_URL measure "$WORK/run.time" "$bin" referrals export --dir "$WORK/out" >/dev/null 2>&1
        local left; left=$(DATABASE_URL=$RUN_URL sql "$NOT_MET")
    else
        cp "$WORK/bench.sqlite" "$WORK/run.sqlite"
        VICTIMCARE_SQLITE_PATH="$WORK/run.sqlite" measure "$WORK/run.time" "$bin" referrals export --dir "$WORK/out" >/dev/null 2>&1
        local left; left=$(VICTIMCARE_SQLITE_PATH="$WORK/run.sqlite" sql "$NOT_MET")
        rm -f "$WORK"/run.sqlite*
    fi
    rm -rf "$WORK/out"
    echo "$label: $(cat "$WORK/run.time") r7_not_met=$left"
}
NOT_MET="SELECT COUNT(*) FROM referrals r JOIN referral_batches b ON b.id = r.batch_id AND r.status = 'ready' JOIN obligations o ON o.victim_id = r.victim_id AND o.code = 'R7' WHERE b.sent_at IS NOT NULL AND o.state <> 'met'"

runs() { # database
    for i in $(seq 1 "$RUNS"); do
        [ -n "$BEFORE" ] && catch_up "$1 before, run $i" "$BEFORE"
        catch_up "$1 after, run $i" "$BIN"
    done
}

if [ "${ONLY:-sqlite}" = sqlite ]; then
    use_sqlite
    prepare sqlite
    sqlite3 "$VICTIMCARE_SQLITE_PATH" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
    runs sqlite
fi
if [ "${ONLY:-postgres}" = postgres ]; then
    use_postgres
    prepare postgres
    sql "VACUUM ANALYZE" >/dev/null
    ADMIN_URL=$TEST_DATABASE_URL
    RUN_URL="${TEST_DATABASE_URL/\/postgres?/\/run?}"
    runs postgres
fi
echo "results saved in $OUT"
