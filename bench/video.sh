#!/usr/bin/env bash
# Issue 16's figures, release build on SQLite: video call set-up (Admit to video decoded on both sides) between
# two headless Chromium browsers, CALLS calls direct and CALLS relayed through coturn (relay-only).
#   bench/video.sh [CALLS]      (default 20)
source "$(dirname "$0")/lib.sh"
CALLS=${1:-20}
OUT="$RESULTS/video-$(date +%Y%m%d-%H%M%S).txt"
exec > >(tee "$OUT") 2>&1
need_apt chromium chromium-driver coturn
need_pip
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; commit $(git -C "$ROOT" rev-parse --short HEAD)"
VICTIMCARE_BIN=$(build_release victimcare)
export VICTIMCARE_BIN
python3 "$ROOT/bench/video_calls.py" "$CALLS"
