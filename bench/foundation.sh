#!/usr/bin/env bash
# Issue 2 figures: demo-data (time, peak memory); search by reference and by surname (p50/p99, one
# connection); the crime page and /healthz under 64 connections (wrk); resident memory of `victimcare serve`
# idle and under that load. SQLite by default; `--postgres` runs them on a throwaway PostgreSQL server.
#   bench/foundation.sh [CRIMES] [--postgres]        (default 1000000)
source "$(dirname "$0")/lib.sh"
CRIMES=${1:-1000000}
BIN=$(build_release victimcare)
WORK=$(mktemp -d /tmp/victimcare-bench.XXXXXX)
trap cleanup EXIT
OUT="$RESULTS/foundation-$(date +%Y%m%d-%H%M%S).txt"
exec > >(tee "$OUT") 2>&1
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; crimes: $CRIMES"
if [ "${2:-}" = "--postgres" ]; then use_postgres; L=postgres; else use_sqlite; L=sqlite; fi
bench_load $L
bench_http $L
echo "results saved in $OUT"
