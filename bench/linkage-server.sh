#!/usr/bin/env bash
# Issue 18 through the server's own path, on SQLite and PostgreSQL: N generated people (bench/make_people.py)
# imported as victims of N crimes (the import queues each person for matching in its own transaction), then matched
# by `victimcare linkage match` (what each node's worker does: one person at a time against everyone, through the
# log, clusters, events and review pairs written as it goes), scored against the truth like the batch run. Then a
# server: the first match after it starts (the node replays the log), and people recorded one at a time through the
# API, each matched before the response (p50/p99 of the whole request).
#   bench/linkage-server.sh [N] [API_PEOPLE]       (defaults 20000 and 300)
#   DATABASES="sqlite postgres" (default both)
source "$(dirname "$0")/lib.sh"
N=${1:-20000}
API_PEOPLE=${2:-300}
BIN=$(build_release victimcare)
WORK=$(mktemp -d /tmp/victimcare-bench.XXXXXX)
trap cleanup EXIT
OUT="$RESULTS/linkage-server-$(date +%Y%m%d-%H%M%S).txt"
exec > >(tee "$OUT") 2>&1
export REFERRAL_EXPORT_HOURS=0 SURVEY_PER_STRATUM=0 LOG_LEVEL=error
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; people: $N; commit $(git -C "$ROOT" rev-parse --short HEAD)"
python3 "$ROOT/bench/make_people.py" "$N" "$WORK/people.csv" "$WORK/truth.csv"
python3 "$ROOT/bench/linkage_import.py" "$WORK/people.csv" "$WORK/extract.csv"

bench_server_linkage() { # label
    local label=$1
    "$BIN" migrate >/dev/null
    measure "$WORK/import.time" "$BIN" import crimes "$WORK/extract.csv" --source LINK > "$WORK/import.out" 2>&1
    echo "$label import: $(cat "$WORK/import.time") | $(grep -m1 -o 'from LINK: .*' "$WORK/import.out" | tr -d '\r')"
    echo "$label queued: $(sql 'select count(*) from linkage_queue')"
    measure "$WORK/match.time" "$BIN" linkage match > "$WORK/match.out" 2>&1
    echo "$label linkage match: $(tail -n1 "$WORK/match.out") $(cat "$WORK/match.time")"
    echo "$label $("$BIN" linkage status)"
    { echo "record_id,cluster_id"
      sql "select k.source_id, lc.cluster_id from import_keys k join linkage_clusters lc on lc.person_id = k.target_id where k.kind = 'person'" | tr '|' ','
    } > "$WORK/server-clusters.csv"
    echo "$label clusters: $(python3 "$ROOT/bench/linkage_score.py" "$WORK/truth.csv" "$WORK/server-clusters.csv")"
    echo "$label tables: log=$(sql 'select count(*) from linkage_log') events=$(sql 'select count(*) from linkage_events') review=$(sql 'select count(*) from linkage_reviews')"

    # A node that has just started: the first match replays the log; then people recorded one at a time.
    start_server
    local token
    token=$("$BIN" create-token --name bench --role officer --unit SN --quiet)
    python3 - "$BASE" "$token" "$API_PEOPLE" "$WORK/people.csv" "$label" "$ROOT/bench" <<'PY'
import csv, json, statistics, sys, time, urllib.error, urllib.request
sys.path.insert(0, sys.argv[6])
from linkage_import import iso_date
base, token, count, people, label = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
rows = list(csv.DictReader(open(people)))
def post(body):
    req = urllib.request.Request(base + "/api/v1/people", data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(req) as r:
            assert r.status == 201
    except urllib.error.HTTPError as e:
        if e.code != 422:
            raise
        return None  # a record the API refuses (a date that is no date): counted apart
    return (time.perf_counter() - start) * 1000
def person(r, n):
    body = {"given_name": r["given_name"] or "Unknown", "family_name": r["family_name"] or "Unknown"}
    if r["date_of_birth"]: body["date_of_birth"] = iso_date(r["date_of_birth"])
    if r["phone"]: body.update(phone=r["phone"], phone_safe=True)
    return body
first = post(person(rows[0], 0))
answers = [post(person(rows[(n * 7919) % len(rows)], n)) for n in range(1, count + 1)]
times = sorted(t for t in answers if t is not None)
count = len(times)
print(f"{label} api: first person after start {first:.0f} ms (replays the log); then {count} people one at a time: "
      f"p50 {statistics.median(times):.1f} ms, p99 {times[int(len(times) * 0.99) - 1]:.1f} ms, max {times[-1]:.1f} ms "
      f"(create, audit and match against everyone, one request each)")
PY
    echo "$label server rss after: $(( $(rss_kib "$SERVER") / 1024 )) MiB"
    stop_server
}

for db in ${DATABASES:-sqlite postgres}; do
    if [ "$db" = sqlite ]; then use_sqlite; else use_postgres; fi
    bench_server_linkage "$db"
done
