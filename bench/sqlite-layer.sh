#!/usr/bin/env bash
# Issue 17, the SQLite layer: the same work by two builds of victimcare (before and after a change to how SQLite
# is set up), each on a fresh SQLite file, alternating so that neither has the machine to itself for longer:
# demo-data, the first load of an import, and crimes recorded through the API from 8 clients (the path where two
# connections write at once). Elapsed time, rate, peak memory and CPU time.
#   bench/sqlite-layer.sh BEFORE_BIN AFTER_BIN [CRIMES] [IMPORT_ROWS] [API_CRIMES] [ROUNDS]
source "$(dirname "$0")/lib.sh"
BEFORE=$1 AFTER=$2 CRIMES=${3:-20000} ROWS=${4:-3000} API=${5:-1000} ROUNDS=${6:-2}
OUT="$RESULTS/sqlite-layer-$(date +%Y%m%d-%H%M%S).txt"
exec > >(tee "$OUT") 2>&1
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; crimes: $CRIMES; import rows: $ROWS; API crimes: $API; commit $(git -C "$ROOT" rev-parse --short HEAD)"
WORK=$(mktemp -d /tmp/victimcare-bench.XXXXXX)
trap cleanup EXIT
export REFERRAL_EXPORT_HOURS=0
python3 "$ROOT/bench/make_import.py" "$ROWS" "$WORK/extract.csv" 1 B >/dev/null

timed() { # label what command...
    local label=$1 what=$2; shift 2
    /usr/bin/time -f "elapsed_s=%e max_rss_kib=%M cpu_s=%U+%S" -o "$WORK/t" "$@" >"$WORK/out" 2>&1
    echo "$label $what: $(cat "$WORK/t")"
}

one() { # label binary
    local label=$1
    BIN=$2
    rm -f "$WORK"/bench.sqlite*
    use_sqlite
    "$BIN" migrate >/dev/null
    timed "$label" "demo-data --crimes $CRIMES" "$BIN" demo-data --crimes "$CRIMES"
    rm -f "$WORK"/bench.sqlite*
    "$BIN" migrate >/dev/null
    timed "$label" "import first load, $ROWS rows" "$BIN" import crimes "$WORK/extract.csv" --source BENCH
    rm -f "$WORK"/bench.sqlite*
    "$BIN" migrate >/dev/null
    local token start end
    token=$("$BIN" create-token --name "bench-$RANDOM" --role administrator --quiet)
    MESSAGE_PROVIDER=smtp SMTP_PORT=1 OUTBOX_POLL_SECONDS=86400 start_server
    local cpu0
    cpu0=$(awk '{print $14 + $15}' "/proc/$SERVER/stat")
    start=$(date +%s.%N)
    local made
    made=$(python3 "$ROOT/bench/make_crimes.py" "$BASE" "$token" "$API")
    end=$(date +%s.%N)
    echo "$label API, 8 clients: $made seconds=$(python3 -c "print(round($end - $start, 2))") per_second=$(python3 -c "print(round($API / ($end - $start), 1))") server_cpu_s=$(awk -v c="$cpu0" -v hz="$(getconf CLK_TCK)" '{print ($14 + $15 - c) / hz}' "/proc/$SERVER/stat")"
    stop_server
}

cd "$ROOT"
for round in $(seq 1 "$ROUNDS"); do
    one "before#$round" "$BEFORE"
    one "after#$round" "$AFTER"
done
# The physical limit an import's first load chases: sqlite3's own bulk insert of extract rows (the shell's
# `.import`: one prepared statement, one transaction) into a table of the extract's columns, on the same settings.
python3 "$ROOT/bench/make_import.py" 200000 "$WORK/limit.csv" 3 L >/dev/null
limit_rows=$(( $(wc -l < "$WORK/limit.csv") - 1 ))
start=$(date +%s.%N)
sqlite3 "$WORK/limit.sqlite" "PRAGMA journal_mode=WAL;" "PRAGMA synchronous=NORMAL;" ".import --csv $WORK/limit.csv extract" >/dev/null
end=$(date +%s.%N)
echo "physical limit: sqlite3 .import of $limit_rows extract rows: seconds=$(python3 -c "print(round($end - $start, 3))") rows_per_second=$(python3 -c "print(round($limit_rows / ($end - $start)))") (stored: $(sqlite3 "$WORK/limit.sqlite" 'SELECT COUNT(*) FROM extract'))"
echo "results saved in $OUT"
