#!/usr/bin/env bash
# Issue 5's export figures: one day's batch (3,000 victims) and everyone waiting after demo-data at CRIMES,
# on SQLite and PostgreSQL: elapsed time, victims per second, peak memory.
#   bench/referrals.sh [CRIMES] [DAY]     (defaults 100000 and 3000)
source "$(dirname "$0")/lib.sh"
CRIMES=${1:-100000}
DAY=${2:-3000}
OUT="$RESULTS/referrals-$(date +%Y%m%d-%H%M%S).txt"
exec > >(tee "$OUT") 2>&1
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; crimes: $CRIMES; day batch: $DAY; commit $(git -C "$ROOT" rev-parse --short HEAD)"
BIN=$(build_release victimcare)
WORK=$(mktemp -d /tmp/victimcare-bench.XXXXXX)
trap cleanup EXIT
export REFERRAL_EXPORT_HOURS=0
use_sqlite; bench_referrals sqlite
rm -rf "$WORK"/bench.sqlite* "$WORK/referrals"
use_postgres; bench_referrals postgres
echo "results saved in $OUT"
