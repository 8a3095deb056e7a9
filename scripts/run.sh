#!/usr/bin/env bash
# Runs VictimCare on a fresh machine: builds it, migrates the database, loads the demo force on the first
# run, and serves on http://127.0.0.1:8080 (HOST and PORT change that). SQLite by default; set
# DATABASE_URL=postgres://... for PostgreSQL.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

say "Checking tools"
need_apt libqrencode-dev libjemalloc-dev ffmpeg

say "Building VictimCare (release; the first build takes several minutes)"
swift build -c release --product victimcare
BIN="$(swift build -c release --show-bin-path)/victimcare"

say "Migrating the database"
"$BIN" migrate

# Demo data only into the embedded database, and only while it is empty (demo-data refuses anything else);
# a database named by DATABASE_URL is never given demo accounts by this script.
if [ -z "${DATABASE_URL:-}" ] && [ "${VICTIMCARE_DEMO:-1}" != 0 ]; then
    say "Loading the demo force (only into an empty database)"
    "$BIN" demo-data || say "Demo data not loaded (the reason is above); serving the database as it is"
    if [ -f data/demo-password.txt ]; then
        say "Demo accounts (demo.officer, demo.supervisor, demo.admin, ...) use the password in data/demo-password.txt"
    fi
fi

say "Serving on http://${HOST:-127.0.0.1}:${PORT:-8080}"
exec "$BIN" serve
