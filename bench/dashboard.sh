#!/usr/bin/env bash
# Issue 6's figures, on SQLite and on PostgreSQL: the dashboard's aggregate pass (`victimcare dashboard-refresh`)
# beside the single hand-written SQL statement that computes the same counts (bench/dashboard_sql.py), the
# force-wide page (one connection), a unit's pages and the victims behind a figure under 16 connections, and a
# breakdown by characteristic.
#   CRIMES=860000 bench/dashboard.sh          loads a fresh force of that size on each database (slow: ~15/21 min)
#   SQLITE_DB=path PG_URL=url bench/dashboard.sh   measures databases already loaded (either may be left out)
#   RUNS=1 ...                                     one timed run of each pass instead of the median of three
#   PAGES_ONLY=1 ...                               the pages alone (after one refresh)
source "$(dirname "$0")/lib.sh"
need_pip
bench_begin dashboard ""
BENCH_PASSWORD="bench dashboard passphrase"
RUNS=${RUNS:-3}   # timed runs of the aggregate pass and of the hand-written statement; the median is reported

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

hand_sql() { # label: the statement $RUNS times, the median in seconds
    local label=$1 dialect=sqlite t
    [ -n "${DATABASE_URL:-}" ] && dialect=postgres
    python3 "$ROOT/bench/dashboard_sql.py" "$dialect" > "$WORK/dashboard.sql"
    for _ in $(seq "$RUNS"); do
        if [ "$dialect" = sqlite ]; then
            # The same page cache the application's commands use (256 MB).
            t=$( (echo "PRAGMA cache_size=-262144;"; echo ".timer on"; echo ".output /dev/null"; cat "$WORK/dashboard.sql") \
                | sqlite3 "$VICTIMCARE_SQLITE_PATH" | awk '/Run Time/ {print $4}' | tail -n1)
        else
            t=$( (echo '\timing on'; echo '\o /dev/null'; cat "$WORK/dashboard.sql") | psql -q "$DATABASE_URL" \
                | awk '/^Time:/ {print $2 / 1000}' | tail -n1)
        fi
        echo "$t"
    done | median > "$WORK/hand.s"
    echo "$label hand_written_sql_s=$(cat "$WORK/hand.s")"
}

app_pass() { # label: dashboard-refresh $RUNS times, the median in seconds, and its peak memory
    local label=$1
    for _ in $(seq "$RUNS"); do
        measure "$WORK/refresh.time" "$BIN" dashboard-refresh > "$WORK/refresh.out"
        awk '{for (i = 1; i <= NF; i++) if ($i == "s.") print $(i - 1)}' "$WORK/refresh.out"
    done | median > "$WORK/app.s"
    echo "$label dashboard_refresh_s=$(cat "$WORK/app.s") ($(cat "$WORK/refresh.out")) $(cat "$WORK/refresh.time")"
    echo "$label ratio_app_to_hand=$(python3 -c "print(round($(cat "$WORK/app.s") / $(cat "$WORK/hand.s"), 2))")"
}

pages() { # label
    local label=$1
    "$BIN" create-user --username bench.lead --name "Bench Lead" --role command_unit_lead --unit SN \
        --password "$BENCH_PASSWORD" >/dev/null 2>&1 || true
    "$BIN" create-user --username bench.analyst --name "Bench Analyst" --role force_analyst \
        --password "$BENCH_PASSWORD" >/dev/null 2>&1 || true
    start_server
    sleep 2
    local lead analyst
    lead=$(session_cookie "$BASE" bench.lead "$BENCH_PASSWORD")
    analyst=$(session_cookie "$BASE" bench.analyst "$BENCH_PASSWORD")
    echo "/dashboard?unit=" > "$WORK/force.paths"
    python3 - "$WORK" <<'PY'
import sys
work = sys.argv[1]
metrics = ["needs-assessment", "enhanced-identified", "confirmation", "leaflet", "referral-offered", "referral-on-time",
           "vps-offered", "updates", "update-suspect-arrested", "update-update-interval", "contact-successful",
           "overdue-now", "feedback-satisfied", "survey-overall"]
open(f"{work}/unit.paths", "w").write("\n".join(["/dashboard?unit=SN"] + [f"/dashboard/metrics/{m}?unit=SN" for m in metrics]) + "\n")
drillable = [m for m in metrics if not m.startswith(("feedback", "survey"))]
open(f"{work}/drill.paths", "w").write("\n".join(
    [f"/dashboard/metrics/{m}/victims?unit=SN&part={p}" for m in drillable for p in ("missed", "counted")]) + "\n")
open(f"{work}/fair.paths", "w").write("/dashboard/metrics/needs-assessment/fairness?unit=SN\n")
PY
    local status
    status=$(curl -s -o /dev/null -w '%{http_code}' -b "vc_session=$analyst" "$BASE/dashboard?unit=")
    echo "$label force dashboard status=$status"
    run_wrk "$label" force_dashboard_1conn 1 20 "$WORK/force.paths" COOKIE="$analyst"
    run_wrk "$label" unit_pages_16conn 16 30 "$WORK/unit.paths" COOKIE="$lead"
    run_wrk "$label" drill_down_16conn 16 30 "$WORK/drill.paths" COOKIE="$lead"
    run_wrk "$label" unit_fairness_1conn 1 20 "$WORK/fair.paths" COOKIE="$lead"
    echo "$label force_fairness_one_request_s=$(curl -s -o /dev/null -w '%{time_total}' -b "vc_session=$analyst" \
        "$BASE/dashboard/metrics/needs-assessment/fairness?unit=")"
    echo "$label serve_rss_kib=$(rss_kib "$SERVER")"
    stop_server
}

bench_db() { # label
    "$BIN" migrate >/dev/null
    echo "$1 rows: victims=$(sql 'select count(*) from victims') obligations=$(sql 'select count(*) from obligations') contacts=$(sql 'select count(*) from contacts')"
    if [ -z "${PAGES_ONLY:-}" ]; then
        hand_sql "$1"
        app_pass "$1"
    else
        # The pages read the latest snapshot: make sure there is one for this month.
        "$BIN" dashboard-refresh
    fi
    pages "$1"
}

if [ -n "${SQLITE_DB:-}" ] || [ -n "${CRIMES:-}" ]; then
    if [ -n "${SQLITE_DB:-}" ]; then unset DATABASE_URL; export VICTIMCARE_SQLITE_PATH="$SQLITE_DB"; else use_sqlite; bench_load sqlite; fi
    bench_db sqlite
fi
if [ -n "${PG_URL:-}" ] || [ -n "${CRIMES:-}" ]; then
    if [ -n "${PG_URL:-}" ]; then export DATABASE_URL="$PG_URL"; else use_postgres; bench_load postgres; fi
    bench_db postgres
fi
echo "results saved in $OUT"
