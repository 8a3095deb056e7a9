#!/usr/bin/env bash
# Every test, on a fresh machine: installs what is missing, builds, runs the Swift suites on SQLite and
# again on a throwaway PostgreSQL server, then the end-to-end tests (headless Chromium with axe-core,
# several app nodes on PostgreSQL, the command line) and a schemathesis fuzzing pass over the API.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

say "Checking tools"
need_apt chromium chromium-driver libqrencode-dev zbar-tools
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
        grep -E "^✘|Expectation failed|recorded an issue|error:" "$log" | cut -c1-600 | head -n 150
        tail -n 5 "$log"
        echo "Full output: $log"
        return 1
    fi
}

say "Swift tests on SQLite"
swift_tests sqlite

say "Starting a throwaway PostgreSQL server"
eval "$("$ROOT/scripts/pg-start.sh")"
trap '"$ROOT/scripts/pg-stop.sh" "$PG_DIR"' EXIT
export TEST_DATABASE_URL

say "Swift tests on PostgreSQL ($TEST_DATABASE_URL)"
swift_tests postgres

say "End-to-end tests: browser, accessibility, several nodes, command line"
export VICTIMCARE_BIN="$(swift build --show-bin-path)/victimcare"
python3 -m pytest -q -p no:cacheprovider tests/e2e

say "Fuzzing the API against its OpenAPI document"
"$ROOT/scripts/fuzz-api.sh"

say "All tests passed"
