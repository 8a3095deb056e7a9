#!/usr/bin/env bash
# Issue 16's signalling at scale, release build: ROOMS calls open at once, a candidate message relayed through
# each room every PERIOD seconds for SECONDS; relay latency and memory per room. `sqlite`: one node; `pg`: two
# nodes sharing a throwaway PostgreSQL (durable settings), the victims on one and the officers on the other.
#   bench/video-rooms.sh [ROOMS] [SECONDS] [PERIOD] [sqlite|pg]      (default 1000 rooms, 60 s, every 2 s, sqlite)
source "$(dirname "$0")/lib.sh"
MODE=${4:-sqlite}
OUT="$RESULTS/video-rooms-$MODE-$(date +%Y%m%d-%H%M%S).txt"
exec > >(tee "$OUT") 2>&1
need_pip
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; commit $(git -C "$ROOT" rev-parse --short HEAD)"
VICTIMCARE_BIN=$(build_release victimcare)
export VICTIMCARE_BIN
WORK=$(mktemp -d)
trap cleanup EXIT
if [ "$MODE" = pg ]; then use_postgres; else unset DATABASE_URL; fi
ulimit -n 65536 2>/dev/null || true
python3 "$ROOT/bench/video_rooms.py" "${1:-1000}" "${2:-60}" "${3:-2}"
