#!/usr/bin/env bash
# Issue 18, side by side on the same generated files (bench/make_people.py): `victimcare linkage run` with and
# without its nickname list, and Splink 5 with DuckDB (bench/splink_run.py, configuration written there); pairwise
# precision, recall and F1 against the truth (bench/linkage_score.py), wall time and peak memory of each. Then the
# incremental path: the batch over N records, 10,000 more recorded one at a time (time per record, cluster ids
# unchanged, F1 of the clusters afterwards).
#   bench/linkage.sh [RECORDS...]        (default 100000)
#   SPLINK=0 bench/linkage.sh ...        (without Splink)
source "$(dirname "$0")/lib.sh"
BIN=$(build_release victimcare)
WORK=$(mktemp -d /tmp/victimcare-bench.XXXXXX)
trap cleanup EXIT
OUT="$RESULTS/linkage-$(date +%Y%m%d-%H%M%S).txt"
exec > >(tee "$OUT") 2>&1
export VICTIMCARE_SQLITE_PATH="$WORK/unused.sqlite" LOG_LEVEL=error
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; commit $(git -C "$ROOT" rev-parse --short HEAD); splink $(python3 -c 'import splink; print(splink.__version__)' 2>/dev/null || echo none)"
for n in "${@:-100000}"; do
    python3 "$ROOT/bench/make_people.py" "$n" "$WORK/people.csv" "$WORK/truth.csv" | sed "s/^/$n generated: /"
    for variant in nicknames no-nicknames; do
        flag=""; [ "$variant" = no-nicknames ] && flag="--no-nicknames"
        measure "$WORK/linkage.time" "$BIN" linkage run --input "$WORK/people.csv" --output "$WORK/clusters.csv" $flag > "$WORK/linkage.out" 2>&1
        echo "$n victimcare ($variant): $(grep -E '^records=' "$WORK/linkage.out") $(cat "$WORK/linkage.time")"
        grep -E '^(standardise|block|estimate[^:]*|compare[^:]*|train[^:]*|score|cluster|write):' "$WORK/linkage.out" | tr '\n' ';' | sed "s/^/$n   stages: /"; echo
        echo "$n victimcare ($variant): $(python3 "$ROOT/bench/linkage_score.py" "$WORK/truth.csv" "$WORK/clusters.csv")"
    done
    if [ "${SPLINK:-1}" != 0 ]; then
        measure "$WORK/splink.time" python3 "$ROOT/bench/splink_run.py" "$WORK/people.csv" "$WORK/splink.csv" --also 0.99,0.999,0.9999 > "$WORK/splink.out" 2>&1 \
            || { echo "$n splink failed:"; tail -n 20 "$WORK/splink.out"; continue; }
        echo "$n splink 5: $(grep -E '^records=' "$WORK/splink.out") $(grep -E '^total:' "$WORK/splink.out") peak $(cut -d' ' -f2 "$WORK/splink.time")"
        grep -E '^[a-z λ()]+: [0-9.]+s$' "$WORK/splink.out" | tr '\n' ';' | sed "s/^/$n   stages: /"; echo
        echo "$n splink 5 (at 0.95): $(python3 "$ROOT/bench/linkage_score.py" "$WORK/truth.csv" "$WORK/splink.csv")"
        for t in 0.99 0.999 0.9999; do
            echo "$n splink 5 (at $t): $(python3 "$ROOT/bench/linkage_score.py" "$WORK/truth.csv" "$WORK/splink-$t.csv")"
        done
    fi
    # Incremental: N held (batch), then 10,000 more from the same city recorded one at a time.
    python3 "$ROOT/bench/make_people.py" "$((n + 10000))" "$WORK/all.csv" "$WORK/all-truth.csv" > /dev/null
    head -n "$((n + 1))" "$WORK/all.csv" > "$WORK/base.csv"
    { head -n 1 "$WORK/all.csv"; tail -n 10000 "$WORK/all.csv"; } > "$WORK/add.csv"
    measure "$WORK/incremental.time" "$BIN" linkage incremental --input "$WORK/base.csv" --add "$WORK/add.csv" --output "$WORK/incremental.csv" > "$WORK/incremental.out" 2>&1
    echo "$n incremental: $(grep -E '^(batch|recorded|existing)' "$WORK/incremental.out" | tr '\n' ' ') $(cat "$WORK/incremental.time")"
    echo "$n incremental clusters: $(python3 "$ROOT/bench/linkage_score.py" "$WORK/all-truth.csv" "$WORK/incremental.csv")"
done
echo "results saved in $OUT"
