#!/usr/bin/env bash
# Every test, on a fresh machine: installs what is missing, builds, runs the Swift suites on SQLite and
# again on a throwaway PostgreSQL server, then the end-to-end tests (headless Chromium with axe-core,
# several app nodes on PostgreSQL, the command line) and a schemathesis fuzzing pass over the API.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

say "Checking tools"
need_apt chromium chromium-driver libqrencode-dev libjemalloc-dev zbar-tools ffmpeg coturn
pg_bin >/dev/null
need_pip

say "Building (debug, with tests)"
swift build --build-tests

# Each suite's whole output goes to a file; on failure every failed expectation is printed, not only the tail.
swift_tests() {
    local log="$ROOT/.build/test-$1.log"
    if swift test --skip-build --parallel >"$log" 2>&1; then
        grep -E "^✔ Test run|^Test Suite 'All tests'|Executed [0-9]+ tests" "$log" | tail -n 3
    else
        grep -E "^✘|Expectation failed|recorded an issue|error:" "$log" | cut -c1-600 | head -n 150 || true
        tail -n 5 "$log"
        # What the PostgreSQL server itself refused, most frequent first (expected refusals included).
        if [ -n "${PG_DIR:-}" ] && [ -f "$PG_DIR/server.log" ]; then
            echo "PostgreSQL server's errors:"
            grep -E "(ERROR|FATAL|PANIC):" "$PG_DIR/server.log" | sed -E 's/^[^]]*\] //' | cut -c1-300 \
                | sort | uniq -c | sort -rn | head -n 25 || true
        fi
        echo "Full output: $log"
        return 1
    fi
}

# A real S3-speaking server for the evidence store's tests (moto's, from PyPI).
say "Starting an S3 server (moto)"
S3_PORT=$(free_port)
moto_server -H 127.0.0.1 -p "$S3_PORT" >"$ROOT/.build/moto.log" 2>&1 &
MOTO_PID=$!
PG_DIR=""
trap 'kill $MOTO_PID 2>/dev/null; [ -n "$PG_DIR" ] && "$ROOT/scripts/pg-stop.sh" "$PG_DIR"' EXIT
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$S3_PORT/" >/dev/null && break
    sleep 0.2
done
export TEST_S3_ENDPOINT="http://127.0.0.1:$S3_PORT"

say "Swift tests on SQLite"
swift_tests sqlite

say "Starting a throwaway PostgreSQL server"
eval "$("$ROOT/scripts/pg-start.sh")"
export TEST_DATABASE_URL

say "Swift tests on PostgreSQL ($TEST_DATABASE_URL)"
swift_tests postgres

say "End-to-end tests: browser, accessibility, several nodes, command line"
export VICTIMCARE_BIN="$(swift build --show-bin-path)/victimcare"
python3 -m pytest -q -p no:cacheprovider tests/e2e

say "Fuzzing the API against its OpenAPI document"
"$ROOT/scripts/fuzz-api.sh"

say "All tests passed"
