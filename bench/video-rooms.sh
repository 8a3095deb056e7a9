#!/usr/bin/env bash
# Issue 16's signalling at scale, release build on SQLite: ROOMS calls open at once on one node, a candidate
# message relayed through each room every PERIOD seconds for SECONDS; relay latency and memory per room.
#   bench/video-rooms.sh [ROOMS] [SECONDS] [PERIOD]      (default 1000 rooms, 60 s, every 2 s)
source "$(dirname "$0")/lib.sh"
OUT="$RESULTS/video-rooms-$(date +%Y%m%d-%H%M%S).txt"
exec > >(tee "$OUT") 2>&1
need_pip
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; commit $(git -C "$ROOT" rev-parse --short HEAD)"
VICTIMCARE_BIN=$(build_release victimcare)
export VICTIMCARE_BIN
ulimit -n 65536 2>/dev/null || true
python3 "$ROOT/bench/video_rooms.py" "${1:-1000}" "${2:-60}" "${3:-2}"
