#!/usr/bin/env bash
# Issue 15's figures on SQLite with the filesystem store, release build:
#   - ingest of a GiB-scale file in one PATCH (hash + encrypt + durable write) against openssl and sha256sum
#     on the same file in the same run, and the server's memory growth meanwhile;
#   - UPLOADS concurrent tus uploads of UPLOAD_MIB each while the server is SIGKILLed and restarted KILLS times;
#   - the first byte of random ranges of the big recording;
#   - `victimcare evidence verify --all` against openssl over the same bytes.
#   bench/evidence.sh [INGEST_MIB] [UPLOADS] [UPLOAD_MIB] [KILLS]      (default 2048 20 256 30)
source "$(dirname "$0")/lib.sh"
INGEST_MIB=${1:-2048} UPLOADS=${2:-20} UPLOAD_MIB=${3:-256} KILLS=${4:-30}
OUT="$RESULTS/evidence-$(date +%Y%m%d-%H%M%S).txt"
exec > >(tee "$OUT") 2>&1
need_pip
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; commit $(git -C "$ROOT" rev-parse --short HEAD)"
BIN=$(build_release victimcare)
WORK=$(mktemp -d /var/tmp/victimcare-bench.XXXXXX)
trap cleanup EXIT
use_sqlite
# Media processing off: the bench's recordings are random bytes, and ffmpeg would compete for the cores.
export EVIDENCE_DIRECTORY="$WORK/evidence" EVIDENCE_LOCK_SECONDS=2 EVIDENCE_MAX_MB=8191 EVIDENCE_VERIFY_HOURS=0 EVIDENCE_MEDIA=0
EVIDENCE_MASTER_KEY=$(head -c 32 /dev/urandom | base64)
export EVIDENCE_MASTER_KEY
"$BIN" migrate >/dev/null
"$BIN" create-user --username bench.officer --name "Bench Officer" --role officer --unit SN --password "bench officer passphrase" >/dev/null
TOKEN=$("$BIN" create-token --name bench --role officer --unit SN --quiet)
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
start() { PORT=$PORT "$BIN" serve >>"$WORK/serve.log" 2>&1 & SERVER=$!; wait_ready "$BASE"; }
start
interview() {
    local crime link reference
    reference=$(printf 'SN/%07d/26' $((RANDOM * 30 + RANDOM % 30)))
    crime=$(curl -sf -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$BASE/api/v1/crimes" -d '{
      "reference": "'"$reference"'", "offence_code": "008/01", "command_unit": "SN", "channel": "telephone",
      "occurred_at": "2026-11-20T10:00:00Z", "reported_at": "2026-11-20T12:00:00Z",
      "victims": [{"person": {"given_name": "Bench", "family_name": "Victim"}}]}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    link=$(curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/crimes/$crime" | python3 -c 'import json,sys; print(next(p["id"] for p in json.load(sys.stdin)["people"] if p["role"] == "victim"))')
    curl -sf -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$BASE/api/v1/crimes/$crime/interviews" \
        -d '{"person_link_id": "'"$link"'", "kind": "victim_account", "place": "station_room", "interviewers": "PC Bench", "consent": true}' |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}

echo "== ingest: one ${INGEST_MIB} MiB file in one PATCH"
head -c "${INGEST_MIB}M" /dev/urandom >"$WORK/ingest.bin"
INGEST=$(python3 "$ROOT/bench/evidence.py" ingest --url "$BASE" --token "$TOKEN" --interview "$(interview)" --file "$WORK/ingest.bin" --pid "$SERVER")
echo "$INGEST"
ITEM=$(echo "$INGEST" | python3 -c 'import json,sys; print(json.load(sys.stdin)["item"])')
rm -f "$WORK/ingest.bin"

echo "== playback: first byte of 500 random ranges (64 KiB to 1 MiB) of that recording"
COOKIE=$(session_cookie "$BASE" bench.officer "bench officer passphrase")
python3 "$ROOT/bench/evidence.py" playback --url "$BASE" --cookie "$COOKIE" --item "$ITEM" --size $((INGEST_MIB * 1048576)) --requests 500

echo "== $UPLOADS concurrent uploads of $UPLOAD_MIB MiB, the server SIGKILLed and restarted $KILLS times"
FILES=""
for i in $(seq 1 "$UPLOADS"); do head -c "${UPLOAD_MIB}M" /dev/urandom >"$WORK/up$i.bin"; FILES="$FILES${FILES:+,}$WORK/up$i.bin"; done
cat >"$WORK/restart.sh" <<RESTART
kill -9 \$(cat "$WORK/server.pid") 2>/dev/null
while kill -0 \$(cat "$WORK/server.pid") 2>/dev/null; do sleep 0.05; done
PORT=$PORT EVIDENCE_DIRECTORY="$EVIDENCE_DIRECTORY" "$BIN" serve >>"$WORK/serve.log" 2>&1 &
echo \$! >"$WORK/server.pid"
for _ in \$(seq 1 300); do curl -sf "$BASE/readyz" >/dev/null && exit 0; sleep 0.1; done
exit 1
RESTART
echo "$SERVER" >"$WORK/server.pid"
python3 "$ROOT/bench/evidence.py" kills --url "$BASE" --token "$TOKEN" --interview "$(interview)" --files "$FILES" --kills "$KILLS" --restart "bash $WORK/restart.sh"
SERVER=$(cat "$WORK/server.pid")
rm -f "$WORK"/up*.bin

echo "== verify --all against openssl over the same bytes"
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
STORED=$(du -sb "$EVIDENCE_DIRECTORY/objects" | cut -f1)
START=$(date +%s.%N); "$BIN" evidence verify --all | tail -n 1; END=$(date +%s.%N)
VERIFY=$(echo "$END - $START" | bc)
cat "$EVIDENCE_DIRECTORY"/objects/*/*.seg >/dev/null
START=$(date +%s.%N); cat "$EVIDENCE_DIRECTORY"/objects/*/*.seg | openssl dgst -sha256 >/dev/null; END=$(date +%s.%N)
OPENSSL=$(echo "$END - $START" | bc)
echo "verify: ${VERIFY} s for $((STORED / 1048576)) MiB stored; openssl dgst -sha256 over the same bytes: ${OPENSSL} s; ratio $(echo "scale=2; $OPENSSL / $VERIFY" | bc)"
echo "results saved in $OUT"
