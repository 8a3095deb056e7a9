# Shared helpers for the benchmarks. Source it.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
need_apt wrk time sqlite3 libqrencode-dev libjemalloc-dev
RESULTS="$ROOT/bench/results"
mkdir -p "$RESULTS"
export LOG_LEVEL=warning VICTIMCARE_ADMIN_PASSWORD="bench admin passphrase" VICTIMCARE_DEMO_PASSWORD="bench demo passphrase"

build_release() { if [ "$1" = victimcare ] && [ -n "${BENCH_BIN:-}" ]; then echo "$BENCH_BIN"; return; fi; (cd "$ROOT" && swift build -c release --product "$1" >&2); echo "$(cd "$ROOT" && swift build -c release --show-bin-path)/$1"; }

# Peak resident memory (KiB) and elapsed seconds of a command, via GNU time.
measure() {
    local out="$1"; shift
    /usr/bin/time -f "elapsed_s=%e max_rss_kib=%M" -o "$out" "$@"
}

# A benchmark's start: its output also saved as $OUT in bench/results/NAME-<time>.txt, the machine and commit said
# first (with DETAILS, e.g. "crimes: $CRIMES; "), the release build as $BIN, a scratch $WORK removed on exit.
bench_begin() { # name details
    OUT="$RESULTS/$1-$(date +%Y%m%d-%H%M%S).txt"
    exec > >(tee "$OUT") 2>&1
    echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; $2commit $(git -C "$ROOT" rev-parse --short HEAD)"
    BIN=$(build_release victimcare)
    WORK=$(mktemp -d /tmp/victimcare-bench.XXXXXX)
    trap cleanup EXIT
}

rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

wait_ready() {
    for _ in $(seq 1 300); do curl -sf "$1/readyz" >/dev/null && return 0; sleep 0.2; done
    echo "server at $1 did not become ready" >&2; return 1
}

# A signed-in session cookie for a user, through the real sign-in form.
session_cookie() {
    local base=$1 user=$2 password=$3 jar
    jar=$(mktemp)
    local csrf
    csrf=$(curl -s -c "$jar" -b "$jar" "$base/sign-in" | grep -o 'name="_csrf" value="[^"]*"' | head -n1 | sed 's/.*value="//;s/"$//')
    curl -s -c "$jar" -b "$jar" -o /dev/null --data-urlencode "_csrf=$csrf" --data-urlencode "username=$user" \
        --data-urlencode "password=$password" "$base/sign-in"
    awk '$6 == "vc_session" {print $7}' "$jar"
    rm -f "$jar"
}

# One SQL query against the bench database (SQLite file or DATABASE_URL), rows as `a|b` lines.
sql() {
    if [ -n "${DATABASE_URL:-}" ]; then psql "$DATABASE_URL" -Atc "$1"; else sqlite3 "$VICTIMCARE_SQLITE_PATH" "$1"; fi
}

# Points the run at a fresh database: SQLite in $WORK, or a new database on a throwaway PostgreSQL server.
use_sqlite() { unset DATABASE_URL; export VICTIMCARE_SQLITE_PATH="$WORK/bench.sqlite"; }
use_postgres() {
    export PG_DURABLE=1
    eval "$("$ROOT/scripts/pg-start.sh")"
    PG_DIRS+=("$PG_DIR")
    psql "$TEST_DATABASE_URL" -qc "CREATE DATABASE bench"
    export DATABASE_URL="${TEST_DATABASE_URL/\/postgres?/\/bench?}"
}
PG_DIRS=()
SERVER=""
cleanup() {
    [ -n "$SERVER" ] && { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true; }
    for d in "${PG_DIRS[@]}"; do "$ROOT/scripts/pg-stop.sh" "$d" || true; done
    rm -rf "$WORK"
}

# migrate + demo-data at $CRIMES, timed, with the row counts it made.
bench_load() { # label
    "$BIN" migrate >/dev/null
    measure "$WORK/demo.time" "$BIN" demo-data --crimes "$CRIMES" ${DATABASE_URL:+--i-understand-this-is-not-live} >/dev/null 2>&1
    echo "$1 demo-data --crimes $CRIMES: $(cat "$WORK/demo.time")"
    echo "$1 rows: crimes=$(sql 'select count(*) from crimes') persons=$(sql 'select count(*) from persons') victims=$(sql 'select count(*) from victims') obligations=$(sql 'select count(*) from obligations')"
    [ -z "${DATABASE_URL:-}" ] && echo "$1 sqlite_file_mib=$(( $(stat -c %s "$VICTIMCARE_SQLITE_PATH") / 1048576 ))"
    [ -n "${DATABASE_URL:-}" ] && echo "$1 database_mib=$(( $(sql 'select pg_database_size(current_database())') / 1048576 ))"
    return 0
}

start_server() {
    PORT=$(free_port)
    BASE="http://127.0.0.1:$PORT"
    PORT=$PORT "$BIN" serve >"$WORK/serve.log" 2>&1 &
    SERVER=$!
    wait_ready "$BASE"
}
stop_server() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""; }

run_wrk() { # label name connections seconds paths [env...]
    local label=$1 name=$2 conns=$3 secs=$4 paths=$5; shift 5
    local threads=$(( conns < 2 ? 1 : 2 ))
    env PATHS="$paths" "$@" wrk -t"$threads" -c"$conns" -d"${secs}s" --latency -s "$ROOT/bench/paths.lua" "$BASE" > "$WORK/$name.wrk"
    local rps p50 p99 non2xx
    rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/$name.wrk")
    p50=$(awk '$1 == "50%" {print $2}' "$WORK/$name.wrk")
    p99=$(awk '$1 == "99%" {print $2}' "$WORK/$name.wrk")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$WORK/$name.wrk")
    echo "$label $name: connections=$conns rps=$rps p50=$p50 p99=$p99 non2xx=${non2xx:-0}"
}

# Issue 2: search by reference and by surname (one connection); the crime page and /healthz under 64
# connections; resident memory of the server idle and under load.
bench_http() { # label
    local label=$1
    start_server
    sleep 2
    echo "$label serve_rss_idle_kib=$(rss_kib "$SERVER")"
    local token cookie
    token=$("$BIN" create-token --name "bench-$RANDOM" --role administrator --quiet)
    cookie=$(session_cookie "$BASE" demo.officer "$VICTIMCARE_DEMO_PASSWORD")
    sql "SELECT reference FROM crimes ORDER BY random() LIMIT 2000" | python3 -c 'import sys,urllib.parse; [print("/api/v1/crimes?reference=" + urllib.parse.quote(l.strip(), safe="")) for l in sys.stdin]' > "$WORK/ref.paths"
    sql "SELECT family_name FROM persons ORDER BY random() LIMIT 5000" | sort -u | head -n 500 | python3 -c 'import sys,urllib.parse; [print("/api/v1/crimes?name=" + urllib.parse.quote(l.strip())) for l in sys.stdin]' > "$WORK/name.paths"
    sql "SELECT c.id FROM crimes c JOIN command_units u ON u.id = c.command_unit_id WHERE u.code = 'SN' ORDER BY random() LIMIT 2000" | sed 's|^|/crimes/|' > "$WORK/crime.paths"
    echo /healthz > "$WORK/health.paths"
    run_wrk "$label" search_by_reference 1 20 "$WORK/ref.paths" TOKEN="$token"
    run_wrk "$label" search_by_surname 1 20 "$WORK/name.paths" TOKEN="$token"
    run_wrk "$label" crime_page_1conn 1 20 "$WORK/crime.paths" COOKIE="$cookie"
    run_wrk "$label" crime_page 64 30 "$WORK/crime.paths" COOKIE="$cookie" &
    local wrk_pid=$!
    sleep 15
    echo "$label serve_rss_under_load_kib=$(rss_kib "$SERVER")"
    wait $wrk_pid
    run_wrk "$label" healthz 64 30 "$WORK/health.paths"
    echo "$label serve_rss_after_kib=$(rss_kib "$SERVER")"
    stop_server
}

# Issue 3: the worklist of an officer with exactly 200 open victims: a new officer in the South BCU becomes
# the officer in the case of 200 of its single-victim crimes that still owe something (one connection).
bench_worklist() { # label
    local label=$1
    "$BIN" create-user --username bench.officer --name "Bench Officer" --role officer --unit SN \
        --password "$VICTIMCARE_DEMO_PASSWORD" >/dev/null
    sql "UPDATE crimes SET officer_in_case_id = (SELECT id FROM users WHERE username = 'bench.officer')
         WHERE id IN (SELECT v.crime_id FROM victims v JOIN crimes c ON c.id = v.crime_id
                      JOIN command_units u ON u.id = c.command_unit_id WHERE u.code = 'SN'
                      GROUP BY v.crime_id HAVING COUNT(*) = 1
                         AND SUM(CASE WHEN EXISTS (SELECT 1 FROM obligations o WHERE o.victim_id = v.id AND o.state = 'open') THEN 1 ELSE 0 END) = 1
                      LIMIT 200)" >/dev/null
    echo "$label worklist officer's open victims: $(sql "SELECT COUNT(DISTINCT o.victim_id) FROM obligations o JOIN victims v ON v.id = o.victim_id JOIN crimes c ON c.id = v.crime_id JOIN users u ON u.id = c.officer_in_case_id WHERE u.username = 'bench.officer' AND o.state = 'open'")"
    start_server
    echo /worklist > "$WORK/worklist.paths"
    run_wrk "$label" worklist 1 20 "$WORK/worklist.paths" COOKIE="$(session_cookie "$BASE" bench.officer "$VICTIMCARE_DEMO_PASSWORD")"
    stop_server
}

# Issue 3: recompute every victim three ways — nothing changed (fingerprints match); --verify (every stored
# obligation read back and compared); and a rebuild with every obligation row deleted first, the upper bound
# of any change to the rules or the calendar (every row written again).
bench_recompute() { # label
    local label=$1
    recompute_once "$label recompute_no_change"
    recompute_once "$label recompute_verify" --verify
    sql "DELETE FROM obligations; UPDATE victims SET obligations_hash = NULL" >/dev/null
    recompute_once "$label recompute_rebuild_all_rows" 
    echo "$label obligations after rebuild: $(sql 'select count(*) from obligations')"
}
recompute_once() {
    local label=$1; shift
    measure "$WORK/recompute.time" "$BIN" recompute "$@" > "$WORK/recompute.out" 2>&1
    echo "$label: $(tr '\r' '\n' < "$WORK/recompute.out" | grep Recomputed | tail -n 1) $(cat "$WORK/recompute.time")"
}

# Issue 4: the outbox's throughput to a local SMTP server and to a local Notify-speaking server, from a queue of
# $MESSAGES messages (half written confirmations, half leaflets, each with its personal link); then the leaflet
# page, public and personal, under 64 connections.
bench_outbox() { # label
    local label=$1 crimes=$(( MESSAGES / 2 )) token
    "$BIN" migrate >/dev/null
    token=$("$BIN" create-token --name "bench-$RANDOM" --role administrator --quiet)
    # Queue without sending: the worker would look only once a day.
    MESSAGE_PROVIDER=smtp SMTP_PORT=1 OUTBOX_POLL_SECONDS=86400 start_server
    echo "$label $(python3 "$ROOT/bench/make_crimes.py" "$BASE" "$token" "$crimes")"
    stop_server
    echo "$label queued: $(sql "SELECT COUNT(*) FROM messages WHERE status = 'queued'")"
    # Notify first: the SMTP run comes last so that the personal links it captures are the live ones.
    outbox_run "$label" notify
    sql "UPDATE messages SET status = 'queued', attempts = 0, sent_at = NULL, next_attempt_at = created_at" >/dev/null
    outbox_run "$label" smtp
    # The leaflet page: the public one, and victims' own links (each opening is recorded, a write).
    start_server
    echo "/leaflet?lang=en" > "$WORK/leaflet.paths"
    head -n 2000 "$WORK/links.txt" > "$WORK/personal.paths"
    run_wrk "$label" leaflet_public 64 20 "$WORK/leaflet.paths"
    run_wrk "$label" leaflet_personal 64 20 "$WORK/personal.paths"
    stop_server
}
outbox_run() { # label provider
    local label=$1 provider=$2 sink_port key total start end
    sink_port=$(free_port)
    key="bench_key-$(python3 -c 'import uuid; print(uuid.uuid4())')-$(python3 -c 'import uuid; print(uuid.uuid4())')"
    if [ "$provider" = smtp ]; then
        python3 "$ROOT/bench/sinks.py" smtp "$sink_port" "$WORK/links.txt" > "$WORK/sink.out" &
    else
        python3 "$ROOT/bench/sinks.py" notify "$sink_port" "$key" > "$WORK/sink.out" &
    fi
    local sink=$!
    for _ in $(seq 1 50); do grep -q ready "$WORK/sink.out" 2>/dev/null && break; sleep 0.1; done
    total=$(sql "SELECT COUNT(*) FROM messages WHERE status = 'queued'")
    start=$(date +%s.%N)
    MESSAGE_PROVIDER=$provider SMTP_HOST=127.0.0.1 SMTP_PORT=$sink_port NOTIFY_BASE_URL="http://127.0.0.1:$sink_port" \
        NOTIFY_API_KEY=$key NOTIFY_EMAIL_TEMPLATE_ID=bench-email NOTIFY_SMS_TEMPLATE_ID=bench-sms OUTBOX_POLL_SECONDS=1 \
        start_server
    while [ "$(sql "SELECT COUNT(*) FROM messages WHERE status IN ('queued', 'sending')")" != 0 ]; do sleep 0.25; done
    end=$(date +%s.%N)
    echo "$label outbox_$provider: messages=$total sent=$(sql "SELECT COUNT(*) FROM messages WHERE status = 'sent'") dead=$(sql "SELECT COUNT(*) FROM messages WHERE status = 'dead'") seconds=$(python3 -c "print(round($end - $start, 2))") per_second=$(python3 -c "print(round($total / ($end - $start)))") serve_rss_kib=$(rss_kib "$SERVER")"
    stop_server
    kill "$sink" && wait "$sink" 2>/dev/null || true
    echo "$label outbox_$provider sink: $(tail -n 1 "$WORK/sink.out")"
}

# Every victim waiting at once (the 1M-victim figure): a transfer referral for each who has none.
every_victim_waiting() {
    if [ -n "${DATABASE_URL:-}" ]; then
        sql "INSERT INTO referrals (id, victim_id, route, status, created_at) SELECT gen_random_uuid(), v.id, 'transfer', 'ready', now() FROM victims v WHERE NOT EXISTS (SELECT 1 FROM referrals r WHERE r.victim_id = v.id)" >/dev/null
    else
        sql "INSERT INTO referrals (id, victim_id, route, status, created_at) SELECT upper(substr(h,1,8)||'-'||substr(h,9,4)||'-4'||substr(h,14,3)||'-a'||substr(h,18,3)||'-'||substr(h,21,12)), id, 'transfer', 'ready', CAST(strftime('%s','now') AS REAL) FROM (SELECT v.id, hex(randomblob(16)) AS h FROM victims v WHERE NOT EXISTS (SELECT 1 FROM referrals r WHERE r.victim_id = v.id))" >/dev/null
    fi
}

# Issue 5: the daily transfer. `demo-data` at $CRIMES, then every consenting victim's referral waits again;
# one day's batch (the first $DAY of them) and then everyone, each timed with its peak memory.
bench_referrals() { # label
    local label=$1 total
    bench_load "$label"
    if [ "${EVERY_VICTIM:-0}" = 1 ]; then every_victim_waiting; fi
    sql "UPDATE referrals SET status = 'ready', batch_id = NULL, sent_at = NULL, status_at = NULL" >/dev/null
    total=$(sql "SELECT COUNT(*) FROM referrals WHERE status = 'ready'")
    # Hold back all but one day's worth, so the first run is a day's batch.
    sql "UPDATE referrals SET status = 'held' WHERE status = 'ready' AND id NOT IN (SELECT id FROM referrals WHERE status = 'ready' ORDER BY id LIMIT $DAY)" >/dev/null
    export_once "$label day_batch" --defer-recompute
    recompute_sent "$label day_batch"
    sql "UPDATE referrals SET status = 'ready' WHERE status = 'held'" >/dev/null
    export_limit "$label everyone_else" "$(sql "SELECT COUNT(*) FROM referrals WHERE status = 'ready' AND batch_id IS NULL")"
    export_once "$label everyone_else" --defer-recompute
    recompute_sent "$label everyone_else"
    echo "$label referrals: total=$total sent=$(sql "SELECT COUNT(*) FROM referrals r LEFT JOIN referral_batches b ON b.id = r.batch_id AND r.status = 'ready' WHERE r.status = 'sent' OR b.sent_at IS NOT NULL") batches=$(sql 'SELECT COUNT(*) FROM referral_batches')"
}
# The sent victims' obligations worked out again (R7 met): the step `--defer-recompute` leaves to the service;
# an export run with nobody waiting does only that.
recompute_sent() {
    local label=$1
    measure "$WORK/recompute.time" "$BIN" referrals export --dir "$WORK/referrals" > /dev/null 2>&1
    echo "$label recompute of the sent victims: $(cat "$WORK/recompute.time") r7_not_met=$(sql "SELECT COUNT(*) FROM referrals r JOIN referral_batches b ON b.id = r.batch_id AND r.status = 'ready' JOIN obligations o ON o.victim_id = r.victim_id AND o.code = 'R7' WHERE b.sent_at IS NOT NULL AND o.state <> 'met'")"
}
# The physical limit the export chases (issue 17): the database itself doing the export's own statements, on a
# copy of the database as it stands: the claim (every waiting referral given the batch, committed), then every
# member read with what the files hold (the same joins) and their safe contact points. Nothing is formatted or
# written to a file.
export_limit() {
    local label=$1 start end claim read
    read -r -d '' claim <<'SQL' || true
BEGIN;
UPDATE referrals SET batch_id = '00000000-0000-4000-8000-00000000000a' WHERE batch_id IS NULL AND status = 'ready' AND route = 'transfer';
COMMIT;
SQL
    read -r -d '' read <<'SQL' || true
SELECT COUNT(*), MAX(p.given_name), MAX(p.family_name), MAX(p.language), MAX(v.grounds), MAX(c.offence_code)
FROM referrals r JOIN victims v ON v.id = r.victim_id JOIN persons p ON p.id = v.person_id
JOIN crimes c ON c.id = v.crime_id WHERE r.batch_id = '00000000-0000-4000-8000-00000000000a';
SELECT COUNT(*), MAX(cp.value) FROM referrals r JOIN victims v ON v.id = r.victim_id
JOIN contact_points cp ON cp.person_id = v.person_id AND cp.safe = true WHERE r.batch_id = '00000000-0000-4000-8000-00000000000a';
SQL
    if [ -n "${DATABASE_URL:-}" ]; then
        local copy="${DATABASE_URL/\/bench?/\/export_limit?}"
        psql "$TEST_DATABASE_URL" -qc "CREATE DATABASE export_limit TEMPLATE bench"
        start=$(date +%s.%N)
        psql "$copy" -q -v ON_ERROR_STOP=1 -c "$claim" >/dev/null
        psql "$copy" -Aq -v ON_ERROR_STOP=1 -c "$read" >/dev/null
        end=$(date +%s.%N)
        psql "$TEST_DATABASE_URL" -qc "DROP DATABASE export_limit"
    else
        cp "$VICTIMCARE_SQLITE_PATH" "$WORK/limit.sqlite"
        start=$(date +%s.%N)
        sqlite3 "$WORK/limit.sqlite" "PRAGMA journal_mode=WAL" "PRAGMA synchronous=NORMAL" "PRAGMA cache_size=-262144" \
            "$claim" "$read" >/dev/null
        end=$(date +%s.%N)
        rm -f "$WORK"/limit.sqlite*
    fi
    python3 -c "
s = $end - $start; n = $2
print(f'$label: limit_elapsed_s={s:.2f} limit_victims_per_second={round(n / max(s, 0.01))}')"
}

export_once() {
    local label=$1 victims; shift
    victims=$(sql "SELECT COUNT(*) FROM referrals WHERE status = 'ready' AND batch_id IS NULL")
    measure "$WORK/export.time" "$BIN" referrals export --dir "$WORK/referrals" "$@" > "$WORK/export.out" 2>&1
    local elapsed
    elapsed=$(sed 's/.*elapsed_s=\([0-9.]*\).*/\1/' "$WORK/export.time")
    echo "$label: victims=$victims $(cat "$WORK/export.time") victims_per_second=$(python3 -c "print(round($victims / max($elapsed, 0.01)))") files_mib=$(( $(du -sb "$WORK/referrals" | cut -f1) / 1048576 ))"
}
