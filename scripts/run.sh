#!/usr/bin/env bash
# Runs VictimCare on a fresh machine: builds it, migrates the database, loads the demo force on the first
# run, and serves on http://127.0.0.1:8080 (HOST and PORT change that). SQLite by default; set
# DATABASE_URL=postgres://... for PostgreSQL.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

say "Checking tools"
need_apt libqrencode-dev

say "Building VictimCare (release; the first build takes several minutes)"
swift build -c release --product victimcare
BIN="$(swift build -c release --show-bin-path)/victimcare"

say "Migrating the database"
"$BIN" migrate

if [ "${VICTIMCARE_DEMO:-1}" != 0 ]; then
    say "Loading the demo force (only the first time)"
    "$BIN" demo-data
    [ -f data/demo-password.txt ] && say "Demo accounts (demo.officer, demo.supervisor, demo.admin, ...) use the password in data/demo-password.txt"
fi

say "Serving on http://${HOST:-127.0.0.1}:${PORT:-8080}"
exec "$BIN" serve
