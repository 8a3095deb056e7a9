#!/usr/bin/env bash
# Every figure in BENCHMARKS.md in one run, loading each database once: the engine alone; then on SQLite and
# on PostgreSQL, demo-data, the HTTP figures, the worklist and the recomputes.
#   bench/all.sh [CRIMES]     (default 1000000)
source "$(dirname "$0")/lib.sh"
CRIMES=${1:-1000000}
OUT="$RESULTS/all-$(date +%Y%m%d-%H%M%S).txt"
exec > >(tee "$OUT") 2>&1
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; crimes: $CRIMES; commit $(git -C "$ROOT" rev-parse --short HEAD)"
"$(build_release victimcare-bench)" engine 1000000
BIN=$(build_release victimcare)
WORK=$(mktemp -d /tmp/victimcare-bench.XXXXXX)
trap cleanup EXIT
use_sqlite; bench_load sqlite; bench_http sqlite; bench_worklist sqlite; bench_recompute sqlite
rm -f "$WORK"/bench.sqlite*
use_postgres; bench_load postgres; bench_http postgres; bench_worklist postgres; bench_recompute postgres
echo "results saved in $OUT"
