#!/usr/bin/env bash
# Issue 4's figures: QR codes per second (one core); on SQLite and on PostgreSQL, the outbox's throughput to a
# local SMTP server and to a local Notify-speaking server, and the leaflet page under 64 connections.
#   bench/communications.sh [MESSAGES]     (default 10000)
source "$(dirname "$0")/lib.sh"
MESSAGES=${1:-10000}
OUT="$RESULTS/communications-$(date +%Y%m%d-%H%M%S).txt"
exec > >(tee "$OUT") 2>&1
need_pip
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; messages: $MESSAGES; commit $(git -C "$ROOT" rev-parse --short HEAD)"
"$(build_release victimcare-bench)" qr 20000
BIN=$(build_release victimcare)
WORK=$(mktemp -d /tmp/victimcare-bench.XXXXXX)
trap cleanup EXIT
use_sqlite; bench_outbox sqlite
rm -f "$WORK"/bench.sqlite* "$WORK/links.txt"
use_postgres; bench_outbox postgres
echo "results saved in $OUT"
