#!/usr/bin/env bash
# Issue 5's export figures: one day's batch (3,000 victims) and everyone waiting after demo-data at CRIMES,
# on SQLite and PostgreSQL: elapsed time, victims per second, peak memory.
#   bench/referrals.sh [CRIMES] [DAY]     (defaults 100000 and 3000)
#   EVERY_VICTIM=1 bench/referrals.sh 860000   every victim waiting (about 1M at 860,000 crimes)
#   ONLY=sqlite or ONLY=postgres                one database
#   BENCH_BIN=path                              a binary built earlier (a before-and-after comparison)
source "$(dirname "$0")/lib.sh"
CRIMES=${1:-100000}
DAY=${2:-3000}
bench_begin referrals "crimes: $CRIMES; day batch: $DAY; "
export REFERRAL_EXPORT_HOURS=0
if [ "${ONLY:-sqlite}" = sqlite ] || [ -z "${ONLY:-}" ]; then use_sqlite; bench_referrals sqlite; fi
rm -rf "$WORK"/bench.sqlite* "$WORK/referrals"
if [ "${ONLY:-postgres}" = postgres ] || [ -z "${ONLY:-}" ]; then use_postgres; bench_referrals postgres; fi
echo "results saved in $OUT"
