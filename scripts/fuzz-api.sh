#!/usr/bin/env bash
# Runs schemathesis against a live server built from this tree: no 5xx, and every response must match
# the OpenAPI document (status codes, content types, schemas).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
BIN=${VICTIMCARE_BIN:-$(swift build --show-bin-path)/victimcare}
WORK=$(mktemp -d /tmp/victimcare-fuzz.XXXXXX)
export VICTIMCARE_SQLITE_PATH="$WORK/fuzz.sqlite" EVIDENCE_DIRECTORY="$WORK/evidence" BCRYPT_COST=4 LOG_LEVEL=warning
export VICTIMCARE_ADMIN_PASSWORD="fuzz admin passphrase" VICTIMCARE_DEMO_PASSWORD="fuzz demo passphrase"
unset DATABASE_URL
"$BIN" migrate >/dev/null
"$BIN" demo-data --crimes 200 >/dev/null
TOKEN=$("$BIN" create-token --name fuzz --role administrator --quiet)
SERVER=""
trap '[ -n "$SERVER" ] && { kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; }; rm -rf "$WORK"' EXIT
# Starts the server and waits until it is ready; on failure shows why (its log) and returns 1.
start_server() {
    PORT=$(free_port)
    PORT=$PORT "$BIN" serve >"$WORK/serve.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 150); do
        curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && return 0
        kill -0 "$SERVER" 2>/dev/null || break
        sleep 0.2
    done
    say "The server did not become ready on port $PORT; its log:"
    cat "$WORK/serve.log"
    kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; SERVER=""
    return 1
}
# The free port can be taken between choosing it and binding it; a second try on another port tells that
# apart from a server that cannot start (which fails here, with its log above).
start_server || start_server
schemathesis run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
    -H "Authorization: Bearer $TOKEN" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "${FUZZ_EXAMPLES:-40}" --no-color >"$WORK/schemathesis.txt" 2>&1 && status=0 || status=$?
# The summary on success; everything (each failure with a curl line to reproduce it) on failure.
if [ "$status" = 0 ]; then tail -n 25 "$WORK/schemathesis.txt"; else cat "$WORK/schemathesis.txt"; fi
if grep -q '"level":"error"' "$WORK/serve.log"; then
    say "The server logged errors while fuzzed:"; grep '"level":"error"' "$WORK/serve.log" | head -n 20; exit 1
fi
exit "$status"
