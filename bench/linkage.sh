#!/usr/bin/env bash
# Issue 18: `victimcare linkage run` on generated people (bench/make_people.py), with and without the nickname
# list: pairwise precision, recall and F1 against the truth (bench/linkage_score.py), wall time and peak memory.
#   bench/linkage.sh [RECORDS...]        (default 100000)
# Splink 5 on the same files is the next step (not yet in this script).
source "$(dirname "$0")/lib.sh"
BIN=$(build_release victimcare)
WORK=$(mktemp -d /tmp/victimcare-bench.XXXXXX)
trap cleanup EXIT
OUT="$RESULTS/linkage-$(date +%Y%m%d-%H%M%S).txt"
exec > >(tee "$OUT") 2>&1
export VICTIMCARE_SQLITE_PATH="$WORK/unused.sqlite" LOG_LEVEL=error
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; commit $(git -C "$ROOT" rev-parse --short HEAD)"
for n in "${@:-100000}"; do
    python3 "$ROOT/bench/make_people.py" "$n" "$WORK/people.csv" "$WORK/truth.csv" | sed "s/^/$n generated: /"
    for variant in nicknames no-nicknames; do
        flag=""; [ "$variant" = no-nicknames ] && flag="--no-nicknames"
        (cd "$ROOT" && measure "$WORK/linkage.time" "$BIN" linkage run --input "$WORK/people.csv" --output "$WORK/clusters.csv" $flag > "$WORK/linkage.out" 2>&1)
        echo "$n victimcare ($variant): $(grep -E '^records=' "$WORK/linkage.out") $(cat "$WORK/linkage.time")"
        grep -E '^(standardise|block|estimate|compare|train|score|cluster|write):' "$WORK/linkage.out" | tr '\n' ';' | sed "s/^/$n   stages: /"; echo
        echo "$n victimcare ($variant): $(python3 "$ROOT/bench/linkage_score.py" "$WORK/truth.csv" "$WORK/clusters.csv")"
    done
done
echo "results saved in $OUT"
