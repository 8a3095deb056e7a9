#!/usr/bin/env bash
# What a node that has just started does to everyone else while it catches up with the linkage log (SQLite, where
# a transaction holds the process's one write lane). N generated people imported and matched (bench/make_people.py,
# `victimcare linkage match`) are kept as a prepared database; each run serves a fresh copy and, from the moment the
# server is ready, records crimes through the API from two clients for SECONDS (bench/api_stalls.py: every one a
# write), and after one second records a person through the API: how long the request took, and when the person was
# matched (before the response if this node's index is up to date, else by the linkage worker). Builds alternated.
#   bench/linkage-start.sh [N] [RUNS] [BEFORE_BIN] [SECONDS]     (defaults 50000, 2, none, 12)
#   BENCH_BIN=path                                               the "after" binary, built earlier
source "$(dirname "$0")/lib.sh"
N=${1:-50000}
RUNS=${2:-2}
BEFORE=${3:-}
SECS=${4:-12}
bench_begin linkage-start "people: $N; "
export REFERRAL_EXPORT_HOURS=0 SURVEY_PER_STRATUM=0
use_sqlite
python3 "$ROOT/bench/make_people.py" "$N" "$WORK/people.csv" "$WORK/truth.csv"
python3 "$ROOT/bench/linkage_import.py" "$WORK/people.csv" "$WORK/extract.csv"
"$BIN" migrate >/dev/null 2>&1
"$BIN" import crimes "$WORK/extract.csv" --source LINK >/dev/null 2>&1
measure "$WORK/match.time" "$BIN" linkage match >/dev/null 2>&1
echo "prepared: persons=$(sql 'SELECT COUNT(*) FROM persons') log=$(sql 'SELECT COUNT(*) FROM linkage_log') model=\"$(sql 'SELECT source FROM linkage_models')\"; linkage match $(cat "$WORK/match.time")"
sqlite3 "$VICTIMCARE_SQLITE_PATH" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null

one_start() { # label binary
    local label=$1 bin=$2 token
    cp "$WORK/bench.sqlite" "$WORK/run.sqlite"
    export VICTIMCARE_SQLITE_PATH="$WORK/run.sqlite"
    token=$("$bin" create-token --name bench --role officer --unit SN --quiet)
    PORT=$(free_port)
    BASE="http://127.0.0.1:$PORT"
    PORT=$PORT "$bin" serve >"$WORK/serve.log" 2>&1 &
    SERVER=$!
    wait_ready "$BASE"
    python3 "$ROOT/bench/api_stalls.py" "$BASE" "$token" "$SECS" 2 500 > "$WORK/stalls.out" &
    local stalls=$!
    sleep 1
    local first
    first=$(python3 - "$BASE" "$token" "$WORK/run.sqlite" <<'PY'
import json, sqlite3, sys, time, urllib.request
base, token, path = sys.argv[1], sys.argv[2], sys.argv[3]
body = {"given_name": "Ada", "family_name": "Lovelace", "date_of_birth": "1985-04-12"}
req = urllib.request.Request(base + "/api/v1/people", data=json.dumps(body).encode(), method="POST",
                             headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
start = time.perf_counter()
with urllib.request.urlopen(req) as r:
    assert r.status == 201
    person = json.load(r)["id"].upper()
answered = time.perf_counter() - start
# Matched when the person has a cluster.
db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
while not db.execute("SELECT 1 FROM linkage_clusters WHERE upper(person_id) = ?", (person,)).fetchone():
    time.sleep(0.05)
print(f"answered in {answered * 1000:.0f} ms, matched {(time.perf_counter() - start) * 1000:.0f} ms after it was sent")
PY
)
    wait "$stalls"
    echo "$label: a person recorded 1 s after ready: ${first}; crimes from 2 clients for ${SECS} s: $(head -n1 "$WORK/stalls.out")"
    echo "$label   $(tail -n1 "$WORK/stalls.out" | cut -c1-400)"
    kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
    rm -f "$WORK"/run.sqlite*
    export VICTIMCARE_SQLITE_PATH="$WORK/bench.sqlite"
}

for i in $(seq 1 "$RUNS"); do
    [ -n "$BEFORE" ] && one_start "before, run $i" "$BEFORE"
    one_start "after, run $i" "$BIN"
done
