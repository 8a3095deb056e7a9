#!/usr/bin/env bash
# Issue 3 figures: the obligation engine alone (victims per second, one core); on SQLite and on PostgreSQL,
# a full recompute of every victim in the database; an officer's worklist p50.
#   bench/victims-code.sh [CRIMES]     (default 1000000; about 1.15 victims per crime)
source "$(dirname "$0")/lib.sh"
CRIMES=${1:-1000000}
OUT="$RESULTS/victims-code-$(date +%Y%m%d-%H%M%S).txt"
exec > >(tee "$OUT") 2>&1
echo "machine: $(nproc) cores; crimes: $CRIMES"
"$(build_release victimcare-bench)" engine 1000000
BIN=$(build_release victimcare)
WORK=$(mktemp -d /tmp/victimcare-bench.XXXXXX)
trap cleanup EXIT
use_sqlite; bench_load sqlite; bench_worklist sqlite; bench_recompute sqlite
rm -f "$WORK"/bench.sqlite*
use_postgres; bench_load postgres; bench_worklist postgres; bench_recompute postgres
echo "results saved in $OUT"
