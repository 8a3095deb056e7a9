#!/usr/bin/env bash
# Issue 5's import figures, on SQLite and PostgreSQL: a records-system extract of ROWS rows (bench/make_import.py:
# crimes, victims with repeat victims, suspects, arrests) imported into a fresh database; the same file again
# (all unchanged); a later file where a tenth of the crimes gained an arrest. Elapsed time, rows per second, peak
# memory. Then the CSV reader alone over a file of BIG rows (constant memory whatever the size).
#   bench/imports.sh [ROWS] [BIG]      (defaults 5000 and 1000000)
# IMPORT_OPTIONS="--bulk" measures the first load at cut-over (issue 17: indexes built once at the end, large
# transactions); FIRST_ONLY=1 leaves out the same file again and the later file; BIG=0 leaves out the reader.
source "$(dirname "$0")/lib.sh"
ROWS=${1:-5000}
BIG=${2:-1000000}
OUT="$RESULTS/imports-$(date +%Y%m%d-%H%M%S).txt"
exec > >(tee "$OUT") 2>&1
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; rows: $ROWS; big file: $BIG; options: ${IMPORT_OPTIONS:-none}; commit $(git -C "$ROOT" rev-parse --short HEAD)"
BIN=$(build_release victimcare)
BENCH=$(build_release victimcare-bench)
WORK=$(mktemp -d /tmp/victimcare-bench.XXXXXX)
trap cleanup EXIT
export REFERRAL_EXPORT_HOURS=0
python3 "$ROOT/bench/make_import.py" "$ROWS" "$WORK/extract.csv" 1 B
# The later file: the same rows plus an arrest for every tenth crime.
cp "$WORK/extract.csv" "$WORK/later.csv"
python3 - "$WORK/later.csv" <<'PY'
import sys
path = sys.argv[1]
crimes = [line.split(",")[1] for line in open(path) if line.startswith("crime,")]
with open(path, "a") as f:
    for n, crime in enumerate(crimes[::10]):
        f.write(f"event,LATE{n},{crime},,,,,,,,,,,,,,,,,,suspect_arrested,2025-12-01T10:00:00+00:00\n")
PY

import_once() { # label file
    local label=$1 file=$2 rows elapsed
    rows=$(( $(wc -l < "$file") - 1 ))
    # shellcheck disable=SC2086
    measure "$WORK/import.time" "$BIN" import crimes "$file" --source BENCH ${IMPORT_OPTIONS:-} > "$WORK/import.out" 2>/dev/null
    elapsed=$(sed 's/.*elapsed_s=\([0-9.]*\).*/\1/' "$WORK/import.time")
    echo "$label: rows=$rows $(cat "$WORK/import.time") rows_per_second=$(python3 -c "print(round($rows / max($elapsed, 0.01)))") | $(head -n1 "$WORK/import.out" | sed 's/^Import [0-9a-f-]* from BENCH: //')"
}

bench_import() { # label
    "$BIN" migrate >/dev/null
    import_once "$1 first import" "$WORK/extract.csv"
    if [ -z "${FIRST_ONLY:-}" ]; then
        import_once "$1 same file again" "$WORK/extract.csv"
        import_once "$1 later file (+arrests)" "$WORK/later.csv"
    fi
    echo "$1 rows: crimes=$(sql 'select count(*) from crimes') persons=$(sql 'select count(*) from persons') victims=$(sql 'select count(*) from victims') obligations=$(sql 'select count(*) from obligations') keys=$(sql 'select count(*) from import_keys')"
}

# The physical limit the first load chases (issue 17), in the same run: the database's own bulk load of the same
# rows, one statement, one transaction, into a table of the extract's columns: sqlite3's `.import` (a prepared
# statement) on SQLite, `COPY` from the file on PostgreSQL.
physical_limit() { # label
    local rows start end columns
    rows=$(( $(wc -l < "$WORK/extract.csv") - 1 ))
    start=$(date +%s.%N)
    if [ -n "${DATABASE_URL:-}" ]; then
        columns=$(head -n1 "$WORK/extract.csv" | sed 's/,/ text, /g; s/$/ text/')
        psql "$DATABASE_URL" -qc "CREATE TABLE limit_extract ($columns)" \
            -c "\\copy limit_extract FROM '$WORK/extract.csv' WITH (FORMAT csv, HEADER true)" >/dev/null
    else
        sqlite3 "$VICTIMCARE_SQLITE_PATH" ".import --csv $WORK/extract.csv limit_extract" >/dev/null
    fi
    end=$(date +%s.%N)
    echo "$1 physical limit (the database's own bulk load of the same $rows rows): seconds=$(python3 -c "print(round($end - $start, 3))") rows_per_second=$(python3 -c "print(round($rows / ($end - $start)))") stored=$(sql 'select count(*) from limit_extract')"
}

use_sqlite; bench_import sqlite; physical_limit sqlite
use_postgres; bench_import postgres; physical_limit postgres

[ "$BIG" -gt 0 ] || { echo "results saved in $OUT"; exit 0; }
python3 "$ROOT/bench/make_import.py" "$BIG" "$WORK/big.csv" 2 G
measure "$WORK/csv.time" "$BENCH" csv "$WORK/big.csv" > "$WORK/csv.out"
echo "reader over $(( $(stat -c %s "$WORK/big.csv") / 1048576 )) MiB: $(cat "$WORK/csv.out") $(cat "$WORK/csv.time")"
echo "results saved in $OUT"
